// SPDX-License-Identifier: LGPL-3.0-or-later
// SOCKS replies as a proxy sends them: SOCKS4, SOCKS5 method selection, RFC 1929 status and SOCKS5
// CONNECT reply. Byte 0 picks the parser (and whether username/password was offered), byte 1 the
// chunk sizes (1-32); the rest is the proxy's bytes, tunnel data included. Fed in chunks and all at
// once, the parser must reach the same outcome, consume exactly the reply, and stay bounded.
#include "fuzzcommon.h"

#include "protocol/socks.h"

using namespace QtWs::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const auto kind = SocksReplyParser::Kind(data[0] % 4);
    const bool offered = data[0] & 4;
    ChunkSizes chunks(data[1]);
    const QByteArrayView input(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    SocksReplyParser chunked(kind, offered);
    qsizetype pos = 0;
    SocksReplyParser::Status status = SocksReplyParser::Status::NeedMore;
    while (pos < input.size() && status == SocksReplyParser::Status::NeedMore) {
        const qsizetype n = qMin(chunks.next(), input.size() - pos);
        const auto r = chunked.feed(input.sliced(pos, n));
        FUZZ_CHECK(r.consumed >= 0 && r.consumed <= n);
        if (r.status == SocksReplyParser::Status::NeedMore)
            FUZZ_CHECK(r.consumed == n);
        pos += r.consumed;
        status = r.status;
        FUZZ_CHECK(chunked.received().size() <= SocksLimits::MaxReplyBytes);
    }
    FUZZ_CHECK(chunked.received() == input.first(pos));

    SocksReplyParser whole(kind, offered);
    const auto all = whole.feed(input);
    FUZZ_CHECK(all.status == status && all.consumed == pos);
    // The messages may differ: a version error quotes what else the same read brought.
    FUZZ_CHECK(whole.error() == chunked.error());

    switch (status) {
    case SocksReplyParser::Status::NeedMore:
        FUZZ_CHECK(pos == input.size() && chunked.error() == SocksError::NoError);
        break;
    case SocksReplyParser::Status::Error:
        FUZZ_CHECK(chunked.error() != SocksError::NoError && !chunked.errorString().isEmpty());
        break;
    case SocksReplyParser::Status::Done:
        FUZZ_CHECK(chunked.error() == SocksError::NoError);
        if (kind == SocksReplyParser::Kind::Socks5Reply
            || kind == SocksReplyParser::Kind::Socks4Reply)
            FUZZ_CHECK(!chunked.boundAddress().toString().isEmpty());
        break;
    }
    if (status != SocksReplyParser::Status::NeedMore) {
        // Nothing more is taken until reset(); after reset() it parses afresh.
        FUZZ_CHECK(chunked.feed(input).consumed == 0);
        chunked.reset();
        const auto again = chunked.feed(input);
        FUZZ_CHECK(again.status == status && again.consumed == pos);
    }
    return 0;
}
