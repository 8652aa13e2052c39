// SPDX-License-Identifier: LGPL-3.0-or-later
// A proxy's answer to CONNECT, a forwarded upgrade or an OPTIONS upgrade: HttpHeadParser (response)
// and then classifyProxyReply(), classifyInvalidUpgrade() for 101s that fail validation, and
// isConnectTunnel(). Byte 0 picks the request kind and the chunk sizes (1-32).
#include "fuzzcommon.h"

#include "protocol/proxyreply.h"

using namespace QtWs::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const auto kind = ProxyRequestKind(data[0] % 3);
    ChunkSizes chunks(data[0]);
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    HttpHeadParser::Limits limits;
    limits.maxHeadBytes = 8192;
    limits.maxHeaderCount = 64;
    limits.maxLineLength = 2048;
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
    if (status != HttpHeadParser::Status::Done)
        return 0;
    const HttpResponseHead head = parser.takeResponse();

    static const QByteArray targets[]
        = {"example.org:8080", "ws://example.org:8080/chat", "ws://example.org:8080/chat"};
    const ProxyReply reply = classifyProxyReply(kind, head, targets[int(kind)]);
    FUZZ_CHECK(!reply.reason.isEmpty());
    // The sentence quotes peer data escaped: never a raw line break.
    FUZZ_CHECK(
        !reply.reason.contains(QLatin1Char('\n')) && !reply.reason.contains(QLatin1Char('\r')));
    FUZZ_CHECK(reply.evidence.statusCode == head.statusCode);
    FUZZ_CHECK(reply.isValid()
        == (reply.outcome == ProxyReplyOutcome::TunnelEstablished
            || reply.outcome == ProxyReplyOutcome::Switched));
    if (kind == ProxyRequestKind::Connect) {
        FUZZ_CHECK(
            isConnectTunnel(head) == (reply.outcome == ProxyReplyOutcome::TunnelEstablished));
        FUZZ_CHECK(reply.outcome != ProxyReplyOutcome::Switched
            && reply.outcome != ProxyReplyOutcome::UpgradeIgnored);
    } else {
        FUZZ_CHECK(reply.outcome != ProxyReplyOutcome::TunnelEstablished);
        FUZZ_CHECK((reply.outcome == ProxyReplyOutcome::Switched) == (head.statusCode == 101));
    }
    if (head.statusCode == 101) {
        static const HandshakeRequest request = [] {
            HandshakeRequest r(QUrl(QStringLiteral("ws://example.org:8080/chat")));
            r.setKey("dGhlIHNhbXBsZSBub25jZQ==");
            return r;
        }();
        const HandshakeResult handshake = validateHandshakeResponse(request, head);
        if (!handshake.isValid()) {
            const ProxyReply invalid = classifyInvalidUpgrade(kind, head, handshake);
            FUZZ_CHECK(invalid.outcome == ProxyReplyOutcome::InvalidUpgrade && !invalid.isValid());
            FUZZ_CHECK(!invalid.reason.contains(QLatin1Char('\n')));
        }
    }
    return 0;
}
