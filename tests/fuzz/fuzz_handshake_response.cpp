// SPDX-License-Identifier: LGPL-3.0-or-later
// HTTP response head parser + WebSocket handshake response validation + body decoding of whatever
// follows. The first byte decides chunk sizes (1-32); the rest is what a server (or proxy) answers.
#include "fuzzcommon.h"

#include "protocol/handshake.h"

using namespace QtWs::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ChunkSizes chunks(data[0]);
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    static const HandshakeRequest request = [] {
        HandshakeRequest r(QUrl(QStringLiteral("ws://example.org:8080/chat")));
        r.setKey("dGhlIHNhbXBsZSBub25jZQ==");
        r.setSubprotocols({"chat", "superchat"});
        DeflateOptions d;
        d.serverMaxWindowBits = 12;
        r.setDeflate(true, d);
        return r;
    }();

    HttpHeadParser::Limits limits;
    limits.maxHeadBytes = 4096;
    limits.maxHeaderCount = 32;
    limits.maxLineLength = 1024;
    HttpHeadParser parser(HttpHeadParser::Mode::Response, limits);
    qsizetype pos = 0;
    HttpHeadParser::Status status = HttpHeadParser::Status::NeedMore;
    while (pos < input.size() && status == HttpHeadParser::Status::NeedMore) {
        const qsizetype n = qMin(chunks.next(), input.size() - pos);
        const auto r = parser.feed(input.sliced(pos, n));
        FUZZ_CHECK(r.consumed >= 0 && r.consumed <= n);
        pos += r.consumed;
        status = r.status;
    }
    FUZZ_CHECK(parser.headBytes() <= limits.maxHeadBytes);
    if (status == HttpHeadParser::Status::Error) {
        FUZZ_CHECK(!parser.errorString().isEmpty());
        return 0;
    }
    if (status != HttpHeadParser::Status::Done)
        return 0;
    const HttpResponseHead head = parser.takeResponse();
    FUZZ_CHECK(head.statusCode >= 100 && head.statusCode <= 999);
    const HandshakeResult result = validateHandshakeResponse(request, head);
    if (result.isValid()) {
        FUZZ_CHECK(head.statusCode == 101);
        FUZZ_CHECK(
            result.subprotocol.isEmpty() || request.subprotocols().contains(result.subprotocol));
        if (result.deflate)
            FUZZ_CHECK(result.deflateParameters.serverMaxWindowBits <= 12);
    } else {
        FUZZ_CHECK(!result.errorString.isEmpty());
    }
    // The serialized head parses back to the same fields.
    HttpHeadParser again(HttpHeadParser::Mode::Response);
    const QByteArray serialized = head.toByteArray();
    const auto r = again.feed(serialized);
    FUZZ_CHECK(r.status == HttpHeadParser::Status::Done && r.consumed == serialized.size());
    FUZZ_CHECK(again.response().headers == head.headers);

    // A rejected handshake (or a proxy's answer) has a body: decode what follows.
    const HttpBodyFraming framing = HttpBodyFraming::forResponse(head, "GET");
    HttpBodyDecoder decoder(framing, 8192);
    QByteArray body;
    while (pos < input.size() && decoder.status() == HttpBodyDecoder::Status::NeedMore) {
        const qsizetype n = qMin(chunks.next(), input.size() - pos);
        const auto d = decoder.feed(input.sliced(pos, n), body);
        FUZZ_CHECK(d.consumed >= 0 && d.consumed <= n);
        pos += d.consumed;
        if (d.status == HttpBodyDecoder::Status::NeedMore)
            FUZZ_CHECK(d.consumed == n);
    }
    decoder.finish();
    FUZZ_CHECK(body.size() <= 8192);
    return 0;
}
