// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshake.h"

#include "url.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QRandomGenerator>

namespace QtWs::Protocol {

namespace {

QString q(QByteArrayView s)
{
    return QLatin1Char('"') + quoteForMessage(s) + QLatin1Char('"');
}

QString headerQuote(const HttpHeaders &headers, QByteArrayView name)
{
    const QByteArrayList values = headers.values(name);
    if (values.isEmpty())
        return QStringLiteral("no %1 header").arg(QString::fromLatin1(name));
    QStringList parts;
    for (const QByteArray &v : values)
        parts.append(q(QByteArray(name.toByteArray() + ": " + v)));
    return parts.join(QLatin1String(", "));
}

// Sets the error of \a result (a HandshakeResult or a ServerHandshake); returns false.
template<typename Result> bool setError(Result *result, HandshakeError e, const QString &detail)
{
    result->error = e;
    result->errorString = handshakeErrorString(e) + QLatin1String(": ") + detail;
    return false;
}

} // namespace

bool hasBareUpgradeMarker(const HttpHeaders &headers)
{
    return headers.count(BareUpgradeMarker) == 1
        && headers.value(BareUpgradeMarker).compare(BareUpgradeMarkerValue, Qt::CaseInsensitive)
        == 0;
}

QString handshakeErrorString(HandshakeError error)
{
    switch (error) {
    case HandshakeError::NoError:
        return QStringLiteral("no error");
    case HandshakeError::UnexpectedStatus:
        return QStringLiteral("the server did not answer 101 Switching Protocols");
    case HandshakeError::UnsupportedHttpVersion:
        return QStringLiteral("HTTP version below 1.1");
    case HandshakeError::MissingUpgrade:
        return QStringLiteral("missing \"Upgrade: websocket\"");
    case HandshakeError::MissingConnectionUpgrade:
        return QStringLiteral("missing \"Connection: Upgrade\"");
    case HandshakeError::MissingAccept:
        return QStringLiteral("missing Sec-WebSocket-Accept");
    case HandshakeError::InvalidAccept:
        return QStringLiteral("wrong Sec-WebSocket-Accept");
    case HandshakeError::DuplicateHeader:
        return QStringLiteral("duplicated header");
    case HandshakeError::UnexpectedSubprotocol:
        return QStringLiteral("subprotocol not offered");
    case HandshakeError::UnexpectedExtension:
        return QStringLiteral("extension not offered");
    case HandshakeError::InvalidExtensionParameters:
        return QStringLiteral("invalid extension parameters");
    case HandshakeError::InvalidMethod:
        return QStringLiteral("invalid method");
    case HandshakeError::InvalidTarget:
        return QStringLiteral("invalid request target");
    case HandshakeError::MissingHost:
        return QStringLiteral("missing or duplicated Host");
    case HandshakeError::UnsupportedVersion:
        return QStringLiteral("unsupported Sec-WebSocket-Version");
    case HandshakeError::InvalidKey:
        return QStringLiteral("invalid Sec-WebSocket-Key");
    case HandshakeError::InvalidSubprotocolList:
        return QStringLiteral("invalid Sec-WebSocket-Protocol");
    case HandshakeError::InvalidExtensionList:
        return QStringLiteral("invalid Sec-WebSocket-Extensions");
    }
    return QStringLiteral("unknown error");
}

QByteArray computeAcceptKey(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData(QByteArrayView(WebSocketGuid));
    return sha1.result().toBase64();
}

QByteArray generateWebSocketKey()
{
    // RFC 6455 §4.1 item 7: a nonce of 16 random bytes, base64-encoded.
    quint32 nonce[4];
    QRandomGenerator::system()->fillRange(nonce);
    return QByteArray(reinterpret_cast<const char *>(nonce), sizeof nonce).toBase64();
}

bool isValidWebSocketKey(QByteArrayView key)
{
    if (key.size() != 24 || !key.endsWith("=="))
        return false;
    const auto decoded = QByteArray::fromBase64Encoding(
        key.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    return decoded.decodingStatus == QByteArray::Base64DecodingStatus::Ok
        && decoded.decoded.size() == 16;
}

QByteArray hostHeaderValue(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']'; // RFC 3986 §3.2.2 IP-literal
    const int port = url.port();
    if (port >= 0 && port != defaultPort(url.scheme()))
        host += ':' + QByteArray::number(port);
    return host;
}

// ---------------------------------------------------------------------------------------------------------------
// Client side

HandshakeRequest::HandshakeRequest(const QUrl &url)
    : m_url(url)
{ }

QByteArray HandshakeRequest::target() const
{
    // RFC 6455 §3: resource-name = path [ "?" query ], "/" when the path is empty.
    QByteArray resource = m_url.path(QUrl::FullyEncoded).toLatin1();
    if (resource.isEmpty())
        resource = "/";
    if (m_url.hasQuery())
        resource += '?' + m_url.query(QUrl::FullyEncoded).toLatin1();
    if (m_targetForm == TargetForm::Origin)
        return resource;
    // RFC 7230 §5.3.2 absolute-form, for a proxy that forwards the request.
    QByteArray scheme = m_url.scheme().toLower().toLatin1();
    if (m_targetForm == TargetForm::AbsoluteHttp)
        scheme = isSecureScheme(m_url.scheme()) ? "https" : "http";
    return scheme + "://" + hostHeaderValue(m_url) + resource;
}

HttpRequestHead HandshakeRequest::toRequestHead() const
{
    // RFC 6455 §4.1 items 1-12.
    HttpRequestHead head;
    head.method = m_method;
    head.target = target();
    HttpHeaders &h = head.headers;
    // Literal names and values and the key are shared, not copied: this runs for every attempt.
    h.reserve(8 + m_extraHeaders.size() + 2); // + Connection/marker and Proxy-Authorization
    h.append({QByteArrayLiteral("Host"), hostHeaderValue(m_url)});
    h.append({QByteArrayLiteral("Upgrade"), QByteArrayLiteral("websocket")});
    h.append({QByteArrayLiteral("Connection"), QByteArrayLiteral("Upgrade")});
    h.append({QByteArrayLiteral("Sec-WebSocket-Key"), m_key});
    h.append({QByteArrayLiteral("Sec-WebSocket-Version"), QByteArrayLiteral("13")});
    if (!m_origin.isEmpty())
        h.append({QByteArrayLiteral("Origin"), m_origin});
    if (!m_subprotocols.isEmpty())
        h.append({QByteArrayLiteral("Sec-WebSocket-Protocol"), m_subprotocols.join(", ")});
    if (m_deflateEnabled)
        h.append({QByteArrayLiteral("Sec-WebSocket-Extensions"), deflateOffer(m_deflateOptions)});
    // Extra headers replace a field of the same name that the builder wrote (e.g. a custom Origin
    // or Sec-WebSocket-Extensions); repeated extra fields are all kept.
    QByteArrayList replaced;
    const qsizetype builtCount = h.size();
    for (const auto &field : m_extraHeaders) {
        const QByteArray lower = field.name.toLower();
        const qsizetype existing = h.indexOf(field.name);
        if (existing >= 0 && existing < builtCount && !replaced.contains(lower)) {
            h.set(field.name, field.value);
            replaced.append(lower);
        } else {
            h.append(field.name, field.value);
        }
    }
    return head;
}

namespace {

// RFC 6455 §4.1 item 6: a subprotocol not offered by the client fails the connection.
bool checkResponseSubprotocol(
    const HandshakeRequest &request, const HttpHeaders &h, HandshakeResult *r)
{
    const qsizetype protocolCount = h.count("sec-websocket-protocol");
    if (protocolCount > 1)
        return setError(
            r, HandshakeError::DuplicateHeader, headerQuote(h, "Sec-WebSocket-Protocol"));
    if (protocolCount == 0)
        return true;
    const QByteArray protocol = h.value("sec-websocket-protocol");
    if (!request.subprotocols().contains(protocol)) {
        const QString offered = request.subprotocols().isEmpty()
            ? QStringLiteral("none was offered")
            : QStringLiteral("offered: %1").arg(q(request.subprotocols().join(", ")));
        return setError(r, HandshakeError::UnexpectedSubprotocol,
            QStringLiteral("%1 (%2)").arg(headerQuote(h, "Sec-WebSocket-Protocol"), offered));
    }
    r->subprotocol = protocol;
    return true;
}

// RFC 6455 §4.1 item 5: only extensions the client offered, each at most once.
bool checkResponseExtensions(
    const HandshakeRequest &request, const HttpHeaders &h, HandshakeResult *r)
{
    const QByteArrayList extensionValues = h.values("sec-websocket-extensions");
    for (const QByteArray &value : extensionValues) {
        QList<ExtensionElement> elements;
        QString message;
        if (!parseExtensionList(value, &elements, &message))
            return setError(r, HandshakeError::InvalidExtensionParameters, message);
        for (const auto &element : elements) {
            if (element.name != PermessageDeflateName || !request.isDeflateOffered())
                return setError(r, HandshakeError::UnexpectedExtension,
                    QStringLiteral("%1 was not offered").arg(q(element.toByteArray())));
            if (r->deflate)
                return setError(r, HandshakeError::UnexpectedExtension,
                    QStringLiteral("%1 appears twice")
                        .arg(headerQuote(h, "Sec-WebSocket-Extensions")));
            const ExtensionError e = parseDeflateResponse(
                element, request.deflateOptions(), &r->deflateParameters, &message);
            if (e != ExtensionError::NoError)
                return setError(r, HandshakeError::InvalidExtensionParameters, message);
            r->deflate = true;
        }
    }
    return true;
}

} // namespace

HandshakeResult validateHandshakeResponse(
    const HandshakeRequest &request, const HttpResponseHead &response)
{
    HandshakeResult r;
    const HttpHeaders &h = response.headers;
    const auto fail = [&r](HandshakeError e, const QString &detail) {
        setError(&r, e, detail);
        return r;
    };
    // RFC 6455 §4.1: "If the status code received from the server is not 101, the client handles
    // the response per HTTP procedures" - for a WebSocket, that is a failure; quote what the server
    // said.
    if (response.statusCode != 101) {
        // Who answered matters behind proxies (Squid's 403 vs the origin's 404): quote Server and
        // Via too.
        QString detail
            = QStringLiteral("the server answered %1").arg(q(response.displayStatusLine()));
        for (const char *name : {"Server", "Via"}) {
            if (h.contains(name))
                detail += QLatin1String(", ") + headerQuote(h, name);
        }
        return fail(HandshakeError::UnexpectedStatus, detail);
    }
    if (response.majorVersion < 1 || (response.majorVersion == 1 && response.minorVersion < 1))
        return fail(HandshakeError::UnsupportedHttpVersion, q(response.displayStatusLine()));
    if (!h.containsToken("upgrade", "websocket"))
        return fail(HandshakeError::MissingUpgrade, headerQuote(h, "Upgrade"));
    if (!h.containsToken("connection", "upgrade"))
        return fail(HandshakeError::MissingConnectionUpgrade, headerQuote(h, "Connection"));
    const qsizetype acceptCount = h.count("sec-websocket-accept");
    if (acceptCount == 0)
        return fail(HandshakeError::MissingAccept,
            QStringLiteral("the response has no Sec-WebSocket-Accept"));
    if (acceptCount > 1)
        return fail(HandshakeError::DuplicateHeader, headerQuote(h, "Sec-WebSocket-Accept"));
    const QByteArray accept = h.value("sec-websocket-accept");
    const QByteArray expected = request.expectedAccept();
    if (accept != expected)
        return fail(HandshakeError::InvalidAccept,
            QStringLiteral("got %1, expected %2").arg(q(accept), q(expected)));

    if (checkResponseSubprotocol(request, h, &r) && checkResponseExtensions(request, h, &r))
        r.extensions = h.combinedValue("sec-websocket-extensions");
    return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Server side

namespace {

// The resource name of a request target: origin-form, absolute-form from a proxy (RFC 7230
// §5.3.2), "*" for OPTIONS (RFC 2817 §3.2). Empty when the target is none of these.
QByteArray requestPath(const QByteArray &target, bool isOptions, bool allowAbsoluteForm)
{
    if (target.startsWith('/') || (target == "*" && isOptions))
        return target;
    if (!allowAbsoluteForm || !target.contains("://"))
        return {};
    const QUrl url = QUrl::fromEncoded(target, QUrl::StrictMode);
    const bool knownScheme = defaultPort(url.scheme()) != -1; // ws, wss, http, https
    if (!url.isValid() || !knownScheme || url.host().isEmpty())
        return {};
    QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
    if (path.isEmpty())
        path = "/";
    if (url.hasQuery())
        path += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return path;
}

// RFC 6455 §4.2.1 item 8: Sec-WebSocket-Protocol, a list of tokens; the server picks its most
// preferred one.
bool chooseSubprotocol(
    const HttpHeaders &h, const ServerHandshakeOptions &options, ServerHandshake *s)
{
    for (const QByteArray &value : h.values("sec-websocket-protocol")) {
        const QList<QByteArrayView> elements = splitList(value);
        if (elements.isEmpty())
            return setError(s, HandshakeError::InvalidSubprotocolList,
                headerQuote(h, "Sec-WebSocket-Protocol"));
        for (QByteArrayView element : elements) {
            if (!isToken(element))
                return setError(s, HandshakeError::InvalidSubprotocolList,
                    headerQuote(h, "Sec-WebSocket-Protocol"));
            s->offeredSubprotocols.append(element.toByteArray());
        }
    }
    for (const QByteArray &supported : options.subprotocols) {
        if (s->offeredSubprotocols.contains(supported)) {
            s->subprotocol = supported;
            break;
        }
    }
    return true;
}

// RFC 6455 §4.2.1 item 9: extensions. Accept the first acceptable permessage-deflate offer
// (RFC 7692 §5.1).
bool negotiateExtensions(
    const HttpHeaders &h, const ServerHandshakeOptions &options, ServerHandshake *s)
{
    for (const QByteArray &value : h.values("sec-websocket-extensions")) {
        QList<ExtensionElement> elements;
        QString message;
        if (!parseExtensionList(value, &elements, &message))
            return setError(s, HandshakeError::InvalidExtensionList, message);
        if (!options.deflate || s->deflate)
            continue;
        for (const auto &element : elements) {
            if (element.name != PermessageDeflateName)
                continue;
            DeflateParameters params;
            if (negotiateDeflateOffer(element, options.deflateOptions, &params, &message)
                == ExtensionError::NoError) {
                s->deflate = true;
                s->deflateParameters = params;
                break;
            }
        }
    }
    return true;
}

} // namespace

ServerHandshake validateHandshakeRequest(
    const HttpRequestHead &request, const ServerHandshakeOptions &options)
{
    ServerHandshake s;
    const HttpHeaders &h = request.headers;
    const QByteArray requestLine = request.method + ' ' + request.target + " HTTP/"
        + QByteArray::number(request.majorVersion) + '.' + QByteArray::number(request.minorVersion);
    const auto fail = [&s](HandshakeError e, const QString &detail) {
        setError(&s, e, detail);
        return s;
    };
    // RFC 6455 §4.2.1 item 1: an HTTP/1.1 or higher GET request.
    const bool isOptions = request.method == "OPTIONS";
    if (request.method != "GET" && !(isOptions && options.allowOptionsMethod))
        return fail(
            HandshakeError::InvalidMethod, QStringLiteral("request line %1").arg(q(requestLine)));
    if (request.majorVersion < 1 || (request.majorVersion == 1 && request.minorVersion < 1))
        return fail(HandshakeError::UnsupportedHttpVersion,
            QStringLiteral("request line %1").arg(q(requestLine)));

    s.path = requestPath(request.target, isOptions, options.allowAbsoluteForm);
    if (s.path.isEmpty())
        return fail(
            HandshakeError::InvalidTarget, QStringLiteral("request line %1").arg(q(requestLine)));

    // Item 2: a Host header.
    if (h.count("host") != 1 || h.value("host").isEmpty())
        return fail(HandshakeError::MissingHost, headerQuote(h, "Host"));
    s.host = h.value("host");
    // Items 3 and 4.
    if (!h.containsToken("upgrade", "websocket"))
        return fail(HandshakeError::MissingUpgrade, headerQuote(h, "Upgrade"));
    if (!h.containsToken("connection", "upgrade")
        && !(options.allowBareUpgrade && hasBareUpgradeMarker(h)))
        return fail(HandshakeError::MissingConnectionUpgrade, headerQuote(h, "Connection"));
    // Item 6: version 13 (answer 426 otherwise, §4.4).
    if (h.count("sec-websocket-version") != 1 || h.value("sec-websocket-version") != "13")
        return fail(HandshakeError::UnsupportedVersion, headerQuote(h, "Sec-WebSocket-Version"));
    // Item 5: the key, base64 of 16 bytes.
    if (h.count("sec-websocket-key") != 1 || !isValidWebSocketKey(h.value("sec-websocket-key")))
        return fail(HandshakeError::InvalidKey, headerQuote(h, "Sec-WebSocket-Key"));
    s.key = h.value("sec-websocket-key");
    if (h.count("origin") > 1)
        return fail(HandshakeError::DuplicateHeader, headerQuote(h, "Origin"));
    s.origin = h.value("origin");

    if (chooseSubprotocol(h, options, &s))
        negotiateExtensions(h, options, &s);
    return s;
}

HttpResponseHead buildHandshakeResponse(const ServerHandshake &handshake)
{
    // RFC 6455 §4.2.2 item 5.
    HttpResponseHead r;
    r.statusCode = 101;
    r.reasonPhrase = "Switching Protocols";
    r.headers.append("Upgrade", "websocket");
    r.headers.append("Connection", "Upgrade");
    r.headers.append("Sec-WebSocket-Accept", computeAcceptKey(handshake.key));
    if (!handshake.subprotocol.isEmpty())
        r.headers.append("Sec-WebSocket-Protocol", handshake.subprotocol);
    if (handshake.deflate)
        r.headers.append(
            "Sec-WebSocket-Extensions", handshake.deflateParameters.toResponseHeader());
    return r;
}

HttpResponseHead buildHandshakeRejection(const ServerHandshake &handshake, QByteArray *body)
{
    HttpResponseHead r;
    switch (handshake.error) {
    case HandshakeError::UnsupportedVersion:
        // RFC 6455 §4.4: 426 with the versions the server supports.
        r.statusCode = 426;
        r.reasonPhrase = "Upgrade Required";
        r.headers.append("Sec-WebSocket-Version", "13");
        break;
    case HandshakeError::InvalidMethod:
        r.statusCode = 405;
        r.reasonPhrase = "Method Not Allowed";
        r.headers.append("Allow", "GET");
        break;
    default:
        r.statusCode = 400;
        r.reasonPhrase = "Bad Request";
        break;
    }
    const QByteArray text = handshake.errorString.toUtf8() + '\n';
    r.headers.append("Content-Type", "text/plain; charset=utf-8");
    r.headers.append("Content-Length", QByteArray::number(text.size()));
    r.headers.append("Connection", "close");
    if (body)
        *body = text;
    return r;
}

} // namespace QtWs::Protocol
