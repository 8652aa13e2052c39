// SPDX-License-Identifier: LGPL-3.0-or-later
#include "openinghandshake.h"

#include "protocol/url.h"

namespace QtWs::OpeningHandshake {

using namespace Protocol;

namespace {

bool fail(WebSocket::Error *error, QString *message, WebSocket::Error e, const QString &text)
{
    *error = e;
    *message = text;
    return false;
}

bool checkHeaders(const QList<WebSocket::Header> &headers, HttpHeaders *out,
    WebSocket::Error *error, QString *message)
{
    for (const WebSocket::Header &h : headers) {
        if (!isToken(h.first))
            return fail(error, message, WebSocket::Error::InvalidOptions,
                QStringLiteral("Invalid header name \"%1\"").arg(quoteForMessage(h.first)));
        if (isReservedHeader(h.first))
            return fail(error, message, WebSocket::Error::InvalidOptions,
                QStringLiteral("Header \"%1\" is set by the WebSocket handshake or the proxy "
                               "strategies themselves")
                    .arg(QString::fromLatin1(h.first)));
        if (!isValidFieldValue(h.second))
            return fail(error, message, WebSocket::Error::InvalidOptions,
                QStringLiteral("Header \"%1\" has a value with control characters")
                    .arg(QString::fromLatin1(h.first)));
        out->append(h.first, h.second);
    }
    return true;
}

bool checkOptions(const WebSocketOptions &options, QByteArrayList *protocols,
    WebSocket::Error *error, QString *message)
{
    for (const QString &p : options.subprotocols()) {
        const QByteArray token = p.toUtf8();
        if (!isToken(token))
            return fail(error, message, WebSocket::Error::InvalidOptions,
                QStringLiteral("Subprotocol \"%1\" is not an HTTP token (RFC 6455 §4.1)").arg(p));
        protocols->append(token);
    }
    if (!isValidFieldValue(options.origin().toUtf8()))
        return fail(error, message, WebSocket::Error::InvalidOptions,
            QStringLiteral("Invalid origin"));
    const auto bitsOk = [](int bits) { return bits >= 8 && bits <= 15; };
    if (options.isCompressionEnabled()
        && (!bitsOk(options.clientMaxWindowBits()) || !bitsOk(options.serverMaxWindowBits())))
        return fail(error, message, WebSocket::Error::InvalidOptions,
            QStringLiteral(
                "permessage-deflate window bits must be within 8..15 (RFC 7692 §7.1.2)"));
    if (options.maxFrameSize() <= 0 || options.maxMessageSize() <= 0)
        return fail(error, message, WebSocket::Error::InvalidOptions,
            QStringLiteral("Size limits must be positive"));
    if (options.connectTimeout().count() <= 0 || options.handshakeTimeout().count() <= 0)
        return fail(error, message, WebSocket::Error::InvalidOptions,
            QStringLiteral("Timeouts must be positive"));
    return true;
}

} // namespace

bool isReservedHeader(QByteArrayView name)
{
    static constexpr const char *reserved[] = {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "content-length",
        "transfer-encoding",
        "proxy-authorization",
        "proxy-connection",
    };
    for (const char *r : reserved) {
        if (name.compare(QByteArrayView(r), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

std::optional<HandshakeRequest> build(const QUrl &url, const WebSocketOptions &options,
    const QList<WebSocket::Header> &requestHeaders, WebSocket::Error *error, QString *message)
{
    if (!url.isValid() || !isWebSocketScheme(url.scheme()) || url.host().isEmpty()) {
        fail(error, message, WebSocket::Error::InvalidUrl,
            QStringLiteral("Not a ws:// or wss:// URL with a host: \"%1\"")
                .arg(url.toDisplayString()));
        return std::nullopt;
    }
    HttpHeaders extra;
    QByteArrayList protocols;
    if (!checkHeaders(requestHeaders + options.extraHeaders(), &extra, error, message)
        || !checkOptions(options, &protocols, error, message))
        return std::nullopt;

    QUrl target = url;
    target.setFragment(QString()); // RFC 6455 §3: fragments have no meaning in WebSocket URIs
    HandshakeRequest request(target);
    request.setOrigin(options.origin().toUtf8());
    request.setSubprotocols(protocols);
    request.setExtraHeaders(extra);
    if (options.isCompressionEnabled()) {
        DeflateOptions deflate;
        deflate.clientNoContextTakeover = options.clientNoContextTakeover();
        deflate.serverNoContextTakeover = options.serverNoContextTakeover();
        deflate.clientMaxWindowBits = options.clientMaxWindowBits();
        deflate.serverMaxWindowBits = options.serverMaxWindowBits();
        request.setDeflate(true, deflate);
    }
    return request;
}

} // namespace QtWs::OpeningHandshake
