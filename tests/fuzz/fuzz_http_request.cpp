// SPDX-License-Identifier: LGPL-3.0-or-later
// The relay's side: HTTP request head parser + server handshake validation + 101 response + request
// body. The first byte decides chunk sizes (1-32); the rest is what a client (or proxy) sends.
#include "fuzzcommon.h"

#include "protocol/handshake.h"

using namespace QtWs::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ChunkSizes chunks(data[0]);
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    HttpHeadParser::Limits limits;
    limits.maxHeadBytes = 4096;
    limits.maxHeaderCount = 32;
    limits.maxLineLength = 1024;
    limits.allowBareLineFeed = data[0] & 1;
    HttpHeadParser parser(HttpHeadParser::Mode::Request, limits);
    qsizetype pos = 0;
    HttpHeadParser::Status status = HttpHeadParser::Status::NeedMore;
    while (pos < input.size() && status == HttpHeadParser::Status::NeedMore) {
        const qsizetype n = qMin(chunks.next(), input.size() - pos);
        const auto r = parser.feed(input.sliced(pos, n));
        FUZZ_CHECK(r.consumed >= 0 && r.consumed <= n);
        pos += r.consumed;
        status = r.status;
    }
    if (status != HttpHeadParser::Status::Done)
        return 0;
    const HttpRequestHead head = parser.takeRequest();
    FUZZ_CHECK(isToken(head.method) && !head.target.isEmpty());

    ServerHandshakeOptions options;
    options.allowOptionsMethod = true;
    options.subprotocols = {"chat", "mqtt"};
    options.deflate = true;
    options.deflateOptions.clientMaxWindowBits = 10;
    const ServerHandshake handshake = validateHandshakeRequest(head, options);
    if (handshake.isValid()) {
        FUZZ_CHECK(isValidWebSocketKey(handshake.key));
        const HttpResponseHead response = buildHandshakeResponse(handshake);
        // Our own answer must satisfy a client that sent the same offer.
        HttpHeadParser check(HttpHeadParser::Mode::Response);
        const QByteArray bytes = response.toByteArray();
        FUZZ_CHECK(check.feed(bytes).status == HttpHeadParser::Status::Done);
        if (handshake.deflate) {
            FUZZ_CHECK(handshake.deflateParameters.clientMaxWindowBits <= 10);
            QList<ExtensionElement> elements;
            QString error;
            FUZZ_CHECK(parseExtensionList(
                handshake.deflateParameters.toResponseHeader(), &elements, &error));
        }
    } else {
        FUZZ_CHECK(!handshake.errorString.isEmpty());
        QByteArray body;
        const HttpResponseHead rejection = buildHandshakeRejection(handshake, &body);
        FUZZ_CHECK(rejection.statusCode >= 400);
    }
    const HttpBodyFraming framing = HttpBodyFraming::forRequest(head);
    HttpBodyDecoder decoder(framing, 8192);
    QByteArray body;
    while (pos < input.size() && decoder.status() == HttpBodyDecoder::Status::NeedMore) {
        const qsizetype n = qMin(chunks.next(), input.size() - pos);
        const auto d = decoder.feed(input.sliced(pos, n), body);
        pos += d.consumed;
    }
    FUZZ_CHECK(body.size() <= 8192);
    return 0;
}
