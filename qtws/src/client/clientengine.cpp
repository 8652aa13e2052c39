// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientengine.h"

#include "common/logging.h"
#include "protocol/url.h"

namespace QtWs {

using namespace Protocol;

namespace {

WebSocket::Error errorForCloseCode(quint16 code)
{
    switch (code) {
    case quint16(CloseCode::InvalidPayloadData):
        return WebSocket::Error::InvalidPayload;
    case quint16(CloseCode::MessageTooBig):
        return WebSocket::Error::MessageTooBig;
    default:
        return WebSocket::Error::ProtocolViolation;
    }
}

} // namespace

ClientEngine::ClientEngine(Handler *handler)
    : m_handler(handler)
{ }

ClientEngine::~ClientEngine() = default;

bool ClientEngine::isReservedHeader(QByteArrayView name)
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
    };
    for (const char *r : reserved) {
        if (name.compare(QByteArrayView(r), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool ClientEngine::startHandshake(const QUrl &url, const WebSocketOptions &options,
    const QList<WebSocket::Header> &requestHeaders, WebSocket::Error *error, QString *message)
{
    auto fail = [&](WebSocket::Error e, const QString &text) {
        *error = e;
        *message = text;
        return false;
    };
    if (!url.isValid() || !isWebSocketScheme(url.scheme()) || url.host().isEmpty())
        return fail(WebSocket::Error::InvalidUrl,
            QStringLiteral("Not a ws:// or wss:// URL with a host: \"%1\"")
                .arg(url.toDisplayString()));

    HttpHeaders extra;
    QList<WebSocket::Header> all = requestHeaders;
    all.append(options.extraHeaders());
    for (const WebSocket::Header &h : std::as_const(all)) {
        if (!isToken(h.first))
            return fail(WebSocket::Error::InvalidOptions,
                QStringLiteral("Invalid header name \"%1\"").arg(quoteForMessage(h.first)));
        if (isReservedHeader(h.first))
            return fail(WebSocket::Error::InvalidOptions,
                QStringLiteral("Header \"%1\" is set by the WebSocket handshake itself")
                    .arg(QString::fromLatin1(h.first)));
        if (!isValidFieldValue(h.second))
            return fail(WebSocket::Error::InvalidOptions,
                QStringLiteral("Header \"%1\" has a value with control characters")
                    .arg(QString::fromLatin1(h.first)));
        extra.append(h.first, h.second);
    }
    QByteArrayList protocols;
    for (const QString &p : options.subprotocols()) {
        const QByteArray token = p.toUtf8();
        if (!isToken(token))
            return fail(WebSocket::Error::InvalidOptions,
                QStringLiteral("Subprotocol \"%1\" is not an HTTP token (RFC 6455 §4.1)").arg(p));
        protocols.append(token);
    }
    const QByteArray origin = options.origin().toUtf8();
    if (!isValidFieldValue(origin))
        return fail(WebSocket::Error::InvalidOptions, QStringLiteral("Invalid origin"));
    const auto bitsOk = [](int bits) { return bits >= 8 && bits <= 15; };
    if (options.isCompressionEnabled()
        && (!bitsOk(options.clientMaxWindowBits()) || !bitsOk(options.serverMaxWindowBits())))
        return fail(WebSocket::Error::InvalidOptions,
            QStringLiteral(
                "permessage-deflate window bits must be within 8..15 (RFC 7692 §7.1.2)"));
    if (options.maxFrameSize() <= 0 || options.maxMessageSize() <= 0)
        return fail(
            WebSocket::Error::InvalidOptions, QStringLiteral("Size limits must be positive"));

    QUrl target = url;
    target.setFragment(QString()); // RFC 6455 §3: fragments have no meaning in WebSocket URIs
    m_handshake = std::make_unique<Handshake>();
    m_handshake->options = options;
    HandshakeRequest &request = m_handshake->request;
    request = HandshakeRequest(target);
    request.setOrigin(origin);
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
    request.toRequestHead().serialize(m_handshakeOutput);
    m_requestHead = m_handshakeOutput; // shared until the output is written
    m_responseHead.clear();
    m_responseStatusCode = 0;
    m_endpoint.reset();
    m_phase = Phase::Handshaking;
    return true;
}

namespace {

// The header fields of a head serialized by HttpRequestHead/HttpResponseHead.
QList<WebSocket::Header> headerFields(const QByteArray &head, HttpHeadParser::Mode mode)
{
    QList<WebSocket::Header> fields;
    if (head.isEmpty())
        return fields;
    HttpHeadParser parser(mode);
    if (parser.feed(head).status != HttpHeadParser::Status::Done)
        return fields;
    const HttpHeaders &headers = mode == HttpHeadParser::Mode::Request ? parser.request().headers
                                                                       : parser.response().headers;
    for (const auto &f : headers)
        fields.append({f.name, f.value});
    return fields;
}

} // namespace

QList<WebSocket::Header> ClientEngine::requestHeaders() const
{
    return headerFields(m_requestHead, HttpHeadParser::Mode::Request);
}

QList<WebSocket::Header> ClientEngine::responseHeaders() const
{
    return headerFields(m_responseHead, HttpHeadParser::Mode::Response);
}

void ClientEngine::receive(const QByteArray &data)
{
    switch (m_phase) {
    case Phase::Handshaking:
        receiveHandshake(data);
        break;
    case Phase::Open:
        receiveFrames(data);
        break;
    case Phase::Idle:
    case Phase::Finished:
        break;
    }
}

void ClientEngine::receiveHandshake(const QByteArray &data)
{
    const HttpHeadParser::Result r = m_handshake->parser.feed(data);
    if (r.status == HttpHeadParser::Status::NeedMore)
        return;
    // The handshake ends here: keep only the response head, serialized (one allocation).
    const std::unique_ptr<Handshake> handshake = std::move(m_handshake);
    if (r.status == HttpHeadParser::Status::Error) {
        m_phase = Phase::Finished;
        m_handler->engineHandshakeFailed(WebSocket::Error::HandshakeInvalid,
            QStringLiteral("Invalid HTTP response to the upgrade request: ")
                + handshake->parser.errorString());
        return;
    }
    const HttpResponseHead response = handshake->parser.takeResponse();
    m_responseHead = response.toByteArray();
    m_responseStatusCode = response.statusCode;
    m_result = validateHandshakeResponse(handshake->request, response);
    if (!m_result.isValid()) {
        m_phase = Phase::Finished;
        const bool rejected = m_result.error == HandshakeError::UnexpectedStatus;
        m_handler->engineHandshakeFailed(
            rejected ? WebSocket::Error::HandshakeRejected : WebSocket::Error::HandshakeInvalid,
            m_result.errorString);
        return;
    }

    Endpoint::Options eo;
    eo.reader.maxFrameSize = handshake->options.maxFrameSize();
    eo.reader.maxMessageSize = handshake->options.maxMessageSize();
    eo.reader.frameEvents = m_frameEvents;
    // decodeText (one pass that validates and decodes) is left off on purpose: it validates a
    // single text frame only at its end, which turns Autobahn's fail-fast cases 6.4.x NON-STRICT;
    // validating as bytes arrive keeps them OK (RFC 6455 §8.1 lets an endpoint fail as soon as the
    // data is known invalid).
    eo.reader.decodeText = false;
    eo.setDeflate(m_result.deflate, m_result.deflateParameters);
    // Request bytes not written yet (never in practice: the owner flushes before reading) stay
    // first.
    m_endpoint.emplace(Role::Client, eo, std::exchange(m_handshakeOutput, {}));
    m_phase = Phase::Open;
    m_handler->engineHandshakeComplete();
    // Frames may follow the head in the same segment (RFC 6455 §4.1: data after the 101 is
    // WebSocket data).
    if (m_phase == Phase::Open && r.consumed < data.size())
        receiveFrames(QByteArrayView(data).sliced(r.consumed));
}

void ClientEngine::receiveFrames(QByteArrayView data)
{
    // The endpoint returns without an event only once the input is used up; an event it held back
    // (the message that follows its last frame event) comes out of a call without bytes.
    while (m_phase == Phase::Open) {
        const Endpoint::Result r = m_endpoint->feed(data);
        data = data.sliced(r.consumed);
        if (!r.eventReady)
            return;
        handleEvent();
    }
}

MessageReader::DirectBuffer ClientEngine::directBuffer()
{
    if (m_phase != Phase::Open)
        return {};
    return m_endpoint->directBuffer();
}

void ClientEngine::commitDirect(qsizetype n)
{
    if (m_phase != Phase::Open)
        return;
    const Endpoint::Result r = m_endpoint->commitDirect(n);
    if (!r.eventReady)
        return;
    handleEvent();
    // The reader may hold back one more event (the message after its last frame event).
    receiveFrames({});
}

void ClientEngine::reportOutput()
{
    // The endpoint queued bytes on its own (a Pong, a Close reply, our Close after a violation).
    if (m_endpoint->pendingOutput() > 0)
        m_handler->engineOutputPending();
}

void ClientEngine::handleEvent()
{
    MessageEvent event = m_endpoint->takeEvent();
    switch (event.type) {
    case MessageEvent::Type::TextMessage:
    case MessageEvent::Type::BinaryMessage:
    case MessageEvent::Type::TextFrame:
    case MessageEvent::Type::BinaryFrame:
        m_handler->engineMessage(event);
        // A payload no receiver kept is reused for the next message (ignored while still shared).
        if (m_phase == Phase::Open && event.type == MessageEvent::Type::BinaryMessage)
            m_endpoint->recycle(std::move(event.payload));
        break;
    case MessageEvent::Type::Ping:
        reportOutput();
        break;
    case MessageEvent::Type::Pong:
        m_handler->enginePong(event.payload);
        break;
    case MessageEvent::Type::Close:
        m_phase = Phase::Finished;
        reportOutput();
        m_handler->engineCloseReceived(event.closeCode, event.closeReason);
        break;
    case MessageEvent::Type::Error:
        m_phase = Phase::Finished;
        reportOutput();
        m_handler->engineProtocolError(
            errorForCloseCode(event.closeCode), event.closeCode, event.errorString);
        break;
    case MessageEvent::Type::None:
        break;
    }
}

void ClientEngine::sendMessage(OpCode opCode, QByteArrayView payload)
{
    if (m_phase == Phase::Open)
        m_endpoint->sendMessage(opCode, payload);
}

void ClientEngine::sendPing(QByteArrayView payload)
{
    if (m_phase == Phase::Open)
        m_endpoint->sendPing(payload);
}

void ClientEngine::sendClose(quint16 code, const QString &reason)
{
    if (m_phase == Phase::Open)
        m_endpoint->sendClose(code, reason);
}

void ClientEngine::outputWritten()
{
    if (m_endpoint)
        m_endpoint->outputWritten();
    else
        m_handshakeOutput = QByteArray(); // sent once: no capacity to keep
}

QByteArray ClientEngine::takeOutput()
{
    return m_endpoint ? m_endpoint->takeOutput() : std::exchange(m_handshakeOutput, {});
}

void ClientEngine::shutdown()
{
    m_phase = Phase::Finished;
}

} // namespace QtWs
