// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_HANDSHAKE_H
#define QTWS_PROTOCOL_HANDSHAKE_H

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayList>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <qtws/qtws_export.h>

#include "deflate.h"
#include "httpmessage.h"

namespace QtWs::Protocol {

/*!
    \enum QtWs::Protocol::HandshakeError
    \brief Why an opening handshake was rejected (RFC 6455 §4.1, §4.2.1).
    \since 0.1
*/
enum class HandshakeError {
    NoError, //!< The handshake is valid.
    // Client side: validating the server's response (RFC 6455 §4.1, "the client MUST fail...").
    UnexpectedStatus, //!< The status code is not 101 Switching Protocols.
    UnsupportedHttpVersion, //!< The response (or request) is not HTTP/1.1 or later.
    MissingUpgrade, //!< No "Upgrade: websocket" (token matched case-insensitively).
    MissingConnectionUpgrade, //!< No "upgrade" token in Connection.
    MissingAccept, //!< No Sec-WebSocket-Accept.
    InvalidAccept, //!< Sec-WebSocket-Accept differs from base64(SHA-1(key + GUID)).
    DuplicateHeader, //!< A header that must appear once appears several times.
    /*! The server chose a subprotocol the client did not offer (or several, or none offered). */
    UnexpectedSubprotocol,
    /*! The server answered with an extension the client did not offer, or twice. */
    UnexpectedExtension,
    /*! The extension response has unknown, duplicate or invalid parameters. */
    InvalidExtensionParameters,
    // Server side: validating the client's request (RFC 6455 §4.2.1).
    InvalidMethod, //!< Not GET (or OPTIONS when allowed).
    InvalidTarget, //!< The request-target is not origin-form (or absolute-form when allowed).
    MissingHost, //!< No Host header, or several.
    /*! Sec-WebSocket-Version is not 13 (answer 426 with "Sec-WebSocket-Version: 13"). */
    UnsupportedVersion,
    InvalidKey, //!< Sec-WebSocket-Key missing, duplicated or not base64 of 16 bytes.
    InvalidSubprotocolList, //!< Sec-WebSocket-Protocol is not a list of tokens.
    InvalidExtensionList, //!< Sec-WebSocket-Extensions does not parse.
};

/*! A short English description of \a error. */
QTWS_EXPORT QString handshakeErrorString(HandshakeError error);

/*! The GUID of RFC 6455 §1.3. */
inline constexpr char WebSocketGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/*! base64(SHA-1(key + GUID)), the Sec-WebSocket-Accept for \a key (RFC 6455 §4.2.2). */
QTWS_EXPORT QByteArray computeAcceptKey(QByteArrayView key);
/*!
    A fresh Sec-WebSocket-Key: base64 of 16 bytes from QRandomGenerator::system() (RFC 6455 §4.1).
*/
QTWS_EXPORT QByteArray generateWebSocketKey();
/*! True if \a key is base64 of exactly 16 bytes (24 characters, "==" padding). */
QTWS_EXPORT bool isValidWebSocketKey(QByteArrayView key);
/*! \a url.host() as it goes in a Host header or absolute target: ACE-encoded, IPv6 literals in
    brackets,
    ":port" unless it is the scheme's default (80 for ws/http, 443 for wss/https). */
QTWS_EXPORT QByteArray hostHeaderValue(const QUrl &url);

/*!
    \class QtWs::Protocol::HandshakeRequest
    \brief Builds the client's opening handshake (RFC 6455 §4.1) and keeps what the response must
    match.

    \code
    HandshakeRequest request(QUrl(QStringLiteral("wss://example.org/chat")));
    request.setSubprotocols({"chat"});
    socket->write(request.toByteArray());
    ... parse the response head with HttpHeadParser(Mode::Response) ...
    HandshakeResult result = validateHandshakeResponse(request, parser.response());
    \endcode

    The key is generated at construction from QRandomGenerator::system(). The request-target is
    origin-form by default; TargetForm::Absolute writes the URL itself ("ws://host:port/path", for
    proxies that forward the upgrade, RFC 7230 §5.3.2) and TargetForm::AbsoluteHttp the same with an
    http/https scheme.
    \since 0.1
*/
class QTWS_EXPORT HandshakeRequest
{
public:
    enum class TargetForm { Origin, Absolute, AbsoluteHttp };

    HandshakeRequest() = default;
    /*! A request for \a url (ws, wss, http or https scheme) with a fresh key. */
    explicit HandshakeRequest(const QUrl &url);

    QUrl url() const { return m_url; }
    void setUrl(const QUrl &url) { m_url = url; }
    /*! The Origin header value; empty: no Origin header (RFC 6455 §4.1 item 8: browsers only). */
    QByteArray origin() const { return m_origin; }
    void setOrigin(const QByteArray &origin) { m_origin = origin; }
    QByteArrayList subprotocols() const { return m_subprotocols; }
    /*! Subprotocols offered in preference order; each must be a token. */
    void setSubprotocols(const QByteArrayList &protocols) { m_subprotocols = protocols; }
    /*! Offer permessage-deflate with \a options (or nothing when \a enabled is false). */
    void setDeflate(bool enabled, const DeflateOptions &options = DeflateOptions())
    {
        m_deflateEnabled = enabled;
        m_deflateOptions = options;
    }
    bool isDeflateOffered() const { return m_deflateEnabled; }
    DeflateOptions deflateOptions() const { return m_deflateOptions; }
    /*!
        Extra header fields, appended after the WebSocket ones (a field that the builder writes is
        replaced).
    */
    HttpHeaders extraHeaders() const { return m_extraHeaders; }
    void setExtraHeaders(const HttpHeaders &headers) { m_extraHeaders = headers; }
    TargetForm targetForm() const { return m_targetForm; }
    void setTargetForm(TargetForm form) { m_targetForm = form; }
    /*! The method: GET (default) or OPTIONS for the RFC 2817 style upgrade. */
    QByteArray method() const { return m_method; }
    void setMethod(const QByteArray &method) { m_method = method; }
    QByteArray key() const { return m_key; }
    /*! Overrides the generated key (tests and reproducible traces only). */
    void setKey(const QByteArray &key) { m_key = key; }
    /*! The Sec-WebSocket-Accept the server must send back. */
    QByteArray expectedAccept() const { return computeAcceptKey(m_key); }

    /*! The request-target for the configured form. */
    QByteArray target() const;
    /*! The complete request head. */
    HttpRequestHead toRequestHead() const;
    /*! The request as bytes, ready to write. */
    QByteArray toByteArray() const { return toRequestHead().toByteArray(); }

private:
    QUrl m_url;
    QByteArray m_origin;
    QByteArrayList m_subprotocols;
    HttpHeaders m_extraHeaders;
    QByteArray m_method = QByteArrayLiteral("GET");
    QByteArray m_key = generateWebSocketKey();
    DeflateOptions m_deflateOptions;
    TargetForm m_targetForm = TargetForm::Origin;
    bool m_deflateEnabled = false;
};

/*!
    \class QtWs::Protocol::HandshakeResult
    \brief The outcome of validating a handshake response on the client: the error, or what was
    negotiated.
    \since 0.1
*/
struct QTWS_EXPORT HandshakeResult
{
    HandshakeError error = HandshakeError::NoError;
    QString errorString; //!< Quotes the status line or the offending header.
    QByteArray subprotocol; //!< Empty if none.
    QByteArray extensions; //!< The raw Sec-WebSocket-Extensions response, combined.
    bool deflate = false; //!< permessage-deflate negotiated.
    DeflateParameters deflateParameters;

    bool isValid() const { return error == HandshakeError::NoError; }
};

/*!
    Client side: validates the server's response \a response to \a request (RFC 6455 §4.1 "If the
    server's response does not conform..."): status 101, Upgrade and Connection tokens, the exact
    accept key, a subprotocol and extensions only among those offered, no duplicated WebSocket
    headers.
*/
QTWS_EXPORT HandshakeResult validateHandshakeResponse(
    const HandshakeRequest &request, const HttpResponseHead &response);

/*!
    \class QtWs::Protocol::ServerHandshakeOptions
    \brief What a server accepts in an opening handshake.
    \since 0.1
*/
/*!
    The header that marks an upgrade request sent without "Connection: Upgrade" on purpose (qtws's
    BareUpgrade strategy): proxies read Connection as addressed to themselves and drop or refuse
    such requests, while a lone Upgrade travels on. RFC 6455 §4.1 requires the Connection token, so
    only a server that knows the convention (qtws-relay) accepts the marked form.
*/
inline constexpr char BareUpgradeMarker[] = "Qtws-Upgrade";
inline constexpr char BareUpgradeMarkerValue[] = "bare";

/*! True when \a headers carry the BareUpgrade marker (case-insensitive value). */
QTWS_EXPORT bool hasBareUpgradeMarker(const HttpHeaders &headers);

struct QTWS_EXPORT ServerHandshakeOptions
{
    /*! Accept "OPTIONS" as well as "GET" (RFC 2817 style upgrade). */
    bool allowOptionsMethod = false;
    /*! Accept a request without "Connection: Upgrade" when it carries BareUpgradeMarker. */
    bool allowBareUpgrade = false;
    /*! Accept an absolute-form target (from proxies, RFC 7230 §5.3.2). */
    bool allowAbsoluteForm = true;
    QByteArrayList subprotocols; //!< Supported subprotocols in server preference order.
    bool deflate = false; //!< Accept permessage-deflate offers.
    DeflateOptions deflateOptions; //!< Flags imposed and window limits when accepting deflate.
};

/*!
    \class QtWs::Protocol::ServerHandshake
    \brief A client's opening handshake as validated by a server, and the answer it negotiated.
    \since 0.1
*/
struct QTWS_EXPORT ServerHandshake
{
    HandshakeError error = HandshakeError::NoError;
    QString errorString; //!< Quotes the request line or the offending header.
    QByteArray key; //!< Sec-WebSocket-Key.
    QByteArray path; //!< The path and query of the target, origin-form ("/chat?x=1").
    QByteArray host; //!< The Host header.
    QByteArray origin; //!< The Origin header, empty when absent.
    QByteArrayList offeredSubprotocols;
    /*! The server's most preferred subprotocol among those offered (may be changed). */
    QByteArray subprotocol;
    bool deflate = false; //!< Whether permessage-deflate is accepted.
    DeflateParameters deflateParameters;

    bool isValid() const { return error == HandshakeError::NoError; }
};

/*!
    Server side: validates \a request (RFC 6455 §4.2.1: method, target, Host, Upgrade, Connection,
    version 13, the key) and negotiates subprotocol and permessage-deflate against \a options.
*/
QTWS_EXPORT ServerHandshake validateHandshakeRequest(
    const HttpRequestHead &request, const ServerHandshakeOptions &options = {});

/*! The "101 Switching Protocols" response for a valid \a handshake (RFC 6455 §4.2.2). */
QTWS_EXPORT HttpResponseHead buildHandshakeResponse(const ServerHandshake &handshake);

/*!
    A rejection response for \a handshake's error: 426 with "Sec-WebSocket-Version: 13" for
    UnsupportedVersion, 405 for a bad method, 400 otherwise (RFC 6455 §4.2.2), with the error text
    as a plain-text body length. The body itself (the error string in UTF-8) is returned in \a body.
*/
QTWS_EXPORT HttpResponseHead buildHandshakeRejection(
    const ServerHandshake &handshake, QByteArray *body);

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_HANDSHAKE_H
