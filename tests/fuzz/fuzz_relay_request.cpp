// SPDX-License-Identifier: LGPL-3.0-or-later
// The relay's request path without a socket: RequestReader (HttpHeadParser in request mode, the target split,
// the upgrade and keep-alive decisions, HttpBodyFraming::forRequest and HttpBodyDecoder) over a stream of
// pipelined requests, as HttpConnection feeds it. Byte 0 picks the chunk sizes (1-32) and byte 1 the limits.
// The same stream read in chunks and read whole yields the same requests and the same refusal status; a refusal
// is 400, 413 or 431 with a message; no request is over its limits, and an upgrade has no body.
#include "fuzzcommon.h"

#include "relay/requestreader.h"

using namespace QtWs;
using namespace QtWs::Relay;

namespace {

struct Outcome
{
    QList<Request> requests;
    int errorStatus = 0;
    QString errorString;
};

bool sameRequest(const Request &a, const Request &b)
{
    return a.head.toByteArray() == b.head.toByteArray() && a.body == b.body
        && a.path == b.path && a.query.query() == b.query.query() && a.upgrade == b.upgrade
        && a.keepAlive == b.keepAlive;
}

// Feeds \a input in pieces of the sizes \a next() gives, keeping unconsumed bytes as HttpConnection does.
template<typename Next> Outcome read(QByteArrayView input, qint64 maxHead, qint64 maxBody, Next next)
{
    Outcome out;
    RequestReader reader(maxHead, maxBody);
    QByteArray buffer;
    qsizetype pos = 0;
    while (pos < input.size() || !buffer.isEmpty()) {
        if (pos < input.size()) {
            const qsizetype n = qMin(next(), input.size() - pos);
            buffer += input.sliced(pos, n);
            pos += n;
        }
        const qsizetype before = buffer.size();
        const auto r = reader.feed(buffer);
        FUZZ_CHECK(r.consumed >= 0 && r.consumed <= before);
        buffer.remove(0, r.consumed);
        if (r.status == RequestReader::Status::Error) {
            out.errorStatus = reader.errorStatus();
            out.errorString = reader.errorString();
            return out;
        }
        if (r.status == RequestReader::Status::NeedMore) {
            FUZZ_CHECK(buffer.isEmpty()); // everything was taken in
            continue;
        }
        out.requests.append(reader.takeRequest());
        FUZZ_CHECK(reader.isIdle());
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    ChunkSizes chunks(data[0]);
    const qint64 maxHead = (data[1] & 1) ? 256 : 8192;
    const qint64 maxBody = (data[1] & 2) ? 16 : 65536;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    const Outcome chunked = read(input, maxHead, maxBody, [&chunks] { return chunks.next(); });
    const Outcome whole = read(input, maxHead, maxBody, [&input] { return input.size(); });

    // The refusal's sentence may quote a different sample of an over-long line (what was buffered when the limit
    // was hit); its status may not differ.
    FUZZ_CHECK(chunked.errorStatus == whole.errorStatus);
    FUZZ_CHECK(chunked.requests.size() == whole.requests.size());
    for (qsizetype i = 0; i < whole.requests.size(); ++i)
        FUZZ_CHECK(sameRequest(chunked.requests.at(i), whole.requests.at(i)));
    if (whole.errorStatus != 0) {
        FUZZ_CHECK(whole.errorStatus == 400 || whole.errorStatus == 413 || whole.errorStatus == 414
                   || whole.errorStatus == 431);
        FUZZ_CHECK(!whole.errorString.isEmpty());
    }
    for (const Request &r : whole.requests) {
        FUZZ_CHECK(r.body.size() <= maxBody);
        FUZZ_CHECK(r.head.target.size() <= maxHead);
        FUZZ_CHECK(!r.upgrade || r.body.isEmpty());
        FUZZ_CHECK(!r.head.method.isEmpty());
    }
    return 0;
}
