// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pollingchannel.h"

#include "bytestream.h"
#include "common/logging.h"
#include "httpexchange.h"
#include "protocol/frame.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTimerEvent>
#include <QtCore/QUrlQuery>

namespace QtWs {

using namespace Protocol;
using EngineIo::Packet;
using EngineIo::PacketType;

PollingChannel::Path::~Path() = default;

namespace {

// Engine.IO answers a refused request with 400 and {"code":N,"message":"..."} (engine.io's
// server.ts errorMessages); the message says more than the status line.
QString engineIoError(const HttpExchange &exchange)
{
    const QJsonObject o = QJsonDocument::fromJson(exchange.body()).object();
    if (!o.contains(QLatin1String("message")))
        return QString();
    return QStringLiteral("Engine.IO error %1 \"%2\"")
        .arg(o.value(QLatin1String("code")).toInt())
        .arg(o.value(QLatin1String("message")).toString());
}

QString statusText(const HttpExchange &exchange)
{
    return QString::fromLatin1(exchange.response().displayStatusLine());
}

} // namespace

PollingChannel::PollingChannel(const Settings &settings, std::unique_ptr<Path> path, QObject *parent)
    : MessageChannel(parent)
    , m_settings(settings)
    , m_path(std::move(path))
    , m_lastReceivedAt(settings.clock->now())
{ }

PollingChannel::~PollingChannel()
{
    m_gone = true;
    stopAll();
}

// -------------------------------------------------------------------------------------------------
// requests

HttpRequestHead PollingChannel::requestHead(QByteArrayView method)
{
    // Engine.IO v4 "transports/polling": EIO, transport, sid once known; t= defeats caches that
    // ignore Cache-Control (engine.io-client's timestampParam). The endpoint's own query stays.
    QUrl url = m_settings.endpoint;
    QUrlQuery query(url);
    query.addQueryItem(QStringLiteral("EIO"), QString::number(EngineIo::ProtocolVersion));
    query.addQueryItem(QStringLiteral("transport"), QStringLiteral("polling"));
    query.addQueryItem(QStringLiteral("t"),
        QString::number(m_settings.clock->now(), 36) + u'.' + QString::number(++m_requestCount, 36));
    if (!m_sid.isEmpty())
        query.addQueryItem(QStringLiteral("sid"), QString::fromLatin1(m_sid));
    url.setQuery(query);
    HttpRequestHead head;
    head.method = method.toByteArray();
    head.target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    head.headers.set("Host", url.adjusted(QUrl::RemoveUserInfo).authority(QUrl::FullyEncoded).toLatin1());
    head.headers.set("Accept", "*/*");
    head.headers.set("Connection", "keep-alive");
    head.headers.set("Cache-Control", "no-cache");
    for (const HttpHeaders::Field &f : m_settings.headers)
        head.headers.append(f.name, f.value);
    if (!m_cookies.isEmpty()) {
        QByteArrayList pairs;
        for (const auto &c : std::as_const(m_cookies))
            pairs.append(c.first + '=' + c.second);
        head.headers.set("Cookie", pairs.join("; "));
    }
    m_path->address(head, url);
    return head;
}

void PollingChannel::request(Leg &leg, const HttpRequestHead &head, const QByteArray &body)
{
    leg.head = head;
    leg.body = body;
    leg.reused = leg.stream && leg.stream->isConnected();
    if (leg.reused) {
        startExchange(leg);
        return;
    }
    discardStream(leg.stream, this);
    leg.opening = true;
    Leg *target = &leg;
    // The path belongs to this channel: it never calls back once the channel is gone.
    m_path->openStream([this, target](ByteStream *stream, const QString &error) {
        target->opening = false;
        if (!stream) {
            if (!m_sid.isEmpty())
                lose(QStringLiteral("could not reach the polling endpoint again: ") + error);
            else
                failOpen(WebSocket::Error::NetworkError,
                    QStringLiteral("could not reach the polling endpoint"), error);
            return;
        }
        if (m_gone || m_ended) {
            stream->abort();
            stream->deleteLater();
            return;
        }
        stream->setParent(this);
        target->stream = stream;
        startExchange(*target);
    });
}

void PollingChannel::startExchange(Leg &leg)
{
    auto *exchange = new HttpExchange(this);
    HttpExchange::Limits limits;
    limits.maxBodyBytes = MaxResponseBytes;
    exchange->setLimits(limits);
    leg.exchange = exchange;
    const bool isPoll = &leg == &m_pollLeg;
    const bool opening = m_sid.isEmpty();
    connect(exchange, &HttpExchange::finished, this,
        opening ? &PollingChannel::onOpenAnswer
                : isPoll ? &PollingChannel::onPollAnswer : &PollingChannel::onPostAnswer);
    if (opening)
        m_openRequest = leg.head.toByteArray();
    exchange->start(leg.stream, leg.head, leg.body);
}

// Takes the finished exchange of \a leg; keeps its connection for the next request when it can.
HttpExchange *PollingChannel::finishExchange(Leg &leg)
{
    HttpExchange *exchange = leg.exchange;
    leg.exchange = nullptr;
    if (!exchange)
        return nullptr;
    exchange->deleteLater();
    if (!exchange->isReusable())
        discardStream(leg.stream, this);
    m_lastReceivedAt = m_settings.clock->now();
    return exchange;
}

// RFC 7230 §6.3.1: a kept-alive connection may be closed by the peer just as a request goes out
// (tinyproxy closes every client connection after one answer, whatever it announced). When not a
// byte came back, the request never reached the server: it goes again once, on a new connection.
bool PollingChannel::retryOnFreshConnection(Leg &leg, const HttpExchange &exchange)
{
    if (!leg.reused || leg.retried || exchange.error() != HttpExchange::Error::ConnectionClosed
        || exchange.bytesReceived() > 0)
        return false;
    qCDebug(lcQtwsTransport, "[%p] kept-alive connection closed under the request; sending it "
        "again on a new one", static_cast<void *>(this));
    leg.retried = true;
    discardStream(leg.stream, this);
    const HttpRequestHead head = leg.head;
    const QByteArray body = leg.body;
    request(leg, head, body);
    return true;
}

// What is wrong with a finished exchange, if anything; \a error gets the WebSocket error.
std::optional<QString> PollingChannel::responseProblem(
    const HttpExchange &exchange, WebSocket::Error *error)
{
    switch (exchange.error()) {
    case HttpExchange::Error::NoError:
        break;
    case HttpExchange::Error::ResponseTooLarge:
        *error = WebSocket::Error::MessageTooBig;
        return exchange.errorString();
    case HttpExchange::Error::MalformedResponse:
        *error = WebSocket::Error::ProtocolViolation;
        return exchange.errorString();
    case HttpExchange::Error::ConnectionClosed:
    case HttpExchange::Error::Aborted:
        *error = WebSocket::Error::ClosedAbnormally;
        return exchange.errorString();
    }
    keepCookies(exchange.response());
    if (exchange.response().statusCode == 200)
        return std::nullopt;
    *error = WebSocket::Error::ClosedAbnormally;
    const QString engineIo = engineIoError(exchange);
    return engineIo.isEmpty()
        ? QStringLiteral("the server answered %1").arg(statusText(exchange))
        : QStringLiteral("the server answered %1: %2").arg(statusText(exchange), engineIo);
}

void PollingChannel::keepCookies(const HttpResponseHead &response)
{
    // RFC 6265 §5.2: the name=value pair before the first ';'. Sticky load balancers (HAProxy's
    // "cookie SERVERID insert") need it back on every request; attributes are not needed for
    // one endpoint.
    for (const QByteArray &line : response.headers.values("Set-Cookie")) {
        const qsizetype end = line.indexOf(';');
        const QByteArray pair = (end < 0 ? line : line.left(end)).trimmed();
        const qsizetype eq = pair.indexOf('=');
        if (eq <= 0)
            continue;
        const QByteArray name = pair.left(eq).trimmed();
        const QByteArray value = pair.mid(eq + 1).trimmed();
        auto it = std::find_if(m_cookies.begin(), m_cookies.end(),
            [&name](const auto &c) { return c.first == name; });
        if (it != m_cookies.end())
            it->second = value;
        else if (m_cookies.size() < 32)
            m_cookies.append({name, value});
    }
}

// -------------------------------------------------------------------------------------------------
// the opening handshake

void PollingChannel::open(ByteStream *stream)
{
    if (stream) {
        stream->setParent(this);
        m_pollLeg.stream = stream;
    }
    request(m_pollLeg, requestHead("GET"), QByteArray());
}

void PollingChannel::failOpen(WebSocket::Error error, const QString &reason, const QString &detail,
    const std::optional<HttpResponseHead> &response)
{
    if (m_openFailure)
        return;
    m_openFailure = OpenFailure {error, reason, detail, response};
    stopAll();
    Q_EMIT handshakeFinished();
}

void PollingChannel::onOpenAnswer()
{
    HttpExchange *exchange = finishExchange(m_pollLeg);
    if (!exchange || m_openFailure)
        return;
    if (retryOnFreshConnection(m_pollLeg, *exchange))
        return;
    WebSocket::Error error = WebSocket::Error::NoError;
    const std::optional<HttpResponseHead> head = exchange->hasResponseHead()
        ? std::optional(exchange->response())
        : std::nullopt;
    if (head)
        m_openResponse = head->toByteArray();
    if (const auto problem = responseProblem(*exchange, &error)) {
        failOpen(error == WebSocket::Error::ClosedAbnormally && head
                ? WebSocket::Error::HandshakeRejected
                : error,
            QStringLiteral("the polling handshake failed: ") + *problem, QString(), head);
        return;
    }
    EngineIo::DecodeResult r = EngineIo::decodePayload(exchange->body(), MaxResponseBytes);
    std::optional<EngineIo::OpenPayload> session;
    if (r.isValid() && !r.packets.isEmpty() && r.packets.first().type == PacketType::Open)
        session = EngineIo::OpenPayload::fromJson(r.packets.first().data);
    if (!session || session->sid.isEmpty()) {
        failOpen(WebSocket::Error::HandshakeInvalid,
            QStringLiteral("the polling endpoint did not answer with an Engine.IO v4 open packet"),
            r.isValid() ? quoteForMessage(exchange->body(), 60) : r.detail, head);
        return;
    }
    m_session = *session;
    m_sid = session->sid.toLatin1();
    r.packets.removeFirst();
    m_held = r.packets;
    qCDebug(lcQtwsTransport, "[%p] Engine.IO session %s (ping %lld+%lld ms, maxPayload %lld)",
        static_cast<void *>(this), m_sid.constData(), qint64(m_session.pingInterval.count()),
        qint64(m_session.pingTimeout.count()), qint64(m_session.maxPayload));
    Q_EMIT handshakeFinished();
}

// -------------------------------------------------------------------------------------------------
// receiving

void PollingChannel::start()
{
    if (m_started || !isOpen())
        return;
    m_started = true;
    qCDebug(lcQtwsTransport, "[%p] WebSocket over Engine.IO polling: %s", static_cast<void *>(this),
        qPrintable(peerDescription()));
    m_pingDeadline.start(m_settings.clock, this, m_session.pingInterval + m_session.pingTimeout);
    const QPointer<PollingChannel> alive(this);
    deliver(std::exchange(m_held, {}));
    if (!alive)
        return;
    poll();
    flush();
}

void PollingChannel::poll()
{
    if (m_gone || m_ended || m_failed || m_closeReceived || m_pollLeg.exchange || m_pollLeg.opening)
        return;
    m_pollLeg.retried = false;
    request(m_pollLeg, requestHead("GET"), QByteArray());
}

void PollingChannel::onPollAnswer()
{
    HttpExchange *exchange = finishExchange(m_pollLeg);
    if (!exchange || m_gone || m_ended)
        return;
    if (retryOnFreshConnection(m_pollLeg, *exchange))
        return;
    WebSocket::Error error = WebSocket::Error::NoError;
    if (const auto problem = responseProblem(*exchange, &error)) {
        if (m_closeSent && error == WebSocket::Error::ClosedAbnormally)
            endAfterOurClose(*problem); // our close ended the session before the poll came back
        else if (error == WebSocket::Error::ClosedAbnormally)
            lose(QStringLiteral("the long poll failed: ") + *problem);
        else
            fail(error,
                quint16(error == WebSocket::Error::MessageTooBig ? CloseCode::MessageTooBig
                                                                 : CloseCode::ProtocolError),
                QStringLiteral("the long poll's answer is unusable: ") + *problem);
        return;
    }
    EngineIo::DecodeResult r = EngineIo::decodePayload(exchange->body(), MaxResponseBytes);
    if (!r.isValid()) {
        fail(WebSocket::Error::ProtocolViolation, quint16(CloseCode::ProtocolError),
            QStringLiteral("invalid Engine.IO payload: ") + r.detail);
        return;
    }
    const QPointer<PollingChannel> alive(this);
    deliver(std::move(r.packets));
    if (alive)
        poll();
}

void PollingChannel::deliver(QList<Packet> packets)
{
    const QPointer<PollingChannel> alive(this);
    for (Packet &p : packets) {
        if (!alive || m_gone || m_failed || m_closeReceived)
            return;
        switch (p.type) {
        case PacketType::Message:
            if (!deliverMessage(p))
                return;
            break;
        case PacketType::Ping:
            // Engine.IO v4: the server pings, the client answers; the deadline starts again.
            m_pingDeadline.start(
                m_settings.clock, this, m_session.pingInterval + m_session.pingTimeout);
            if (!m_closeSent) {
                m_queue.append(Packet::text(PacketType::Pong));
                scheduleFlush();
            }
            break;
        case PacketType::Close:
            onCloseReceived(p);
            return;
        case PacketType::Open:
            fail(WebSocket::Error::ProtocolViolation, quint16(CloseCode::ProtocolError),
                QStringLiteral("a second open packet (sid \"%1\") in session \"%2\"")
                    .arg(EngineIo::OpenPayload::fromJson(p.data)
                             .value_or(EngineIo::OpenPayload())
                             .sid,
                        QString::fromLatin1(m_sid)));
            return;
        case PacketType::Pong:
        case PacketType::Noop:
        case PacketType::Upgrade:
            break;
        }
    }
}

bool PollingChannel::deliverMessage(Packet &packet)
{
    if (m_settings.maxMessageSize > 0 && packet.data.size() > m_settings.maxMessageSize) {
        fail(WebSocket::Error::MessageTooBig, quint16(CloseCode::MessageTooBig),
            QStringLiteral("a message of %1 bytes exceeds the limit of %2 bytes")
                .arg(packet.data.size())
                .arg(m_settings.maxMessageSize));
        return false;
    }
    MessageEvent event;
    if (m_settings.frameEvents)
        event.type = packet.binary ? MessageEvent::Type::BinaryFrame : MessageEvent::Type::TextFrame;
    else
        event.type = packet.binary ? MessageEvent::Type::BinaryMessage
                                   : MessageEvent::Type::TextMessage;
    event.payload = std::move(packet.data);
    const QPointer<PollingChannel> alive(this);
    if (Handler *h = handler())
        h->channelMessage(event);
    return bool(alive);
}

void PollingChannel::onCloseReceived(const Packet &packet)
{
    // qtws relay convention: 1{"code":..,"reason":..}; a stock server sends a bare "1".
    const auto info = EngineIo::CloseInfo::fromJson(packet.data);
    m_closeReceived = true;
    m_pingDeadline.stop();
    // The session is over on the server: nothing more is sent (a close of ours is the answer
    // already, or would reach a session that no longer exists).
    m_queue.clear();
    m_queuedBytes = 0;
    const QPointer<PollingChannel> alive(this);
    if (Handler *h = handler())
        h->channelCloseReceived(info ? info->code : quint16(CloseCode::NoStatusReceived),
            info ? info->reason : QString());
    if (alive)
        endLater(true, QStringLiteral("the server ended the Engine.IO session"));
}

// -------------------------------------------------------------------------------------------------
// sending

bool PollingChannel::sendMessage(OpCode opCode, QByteArrayView payload)
{
    if (m_closeSent || m_gone || m_ended)
        return false;
    const qsizetype encoded = opCode == OpCode::Binary ? 1 + (payload.size() + 2) / 3 * 4
                                                        : 1 + payload.size();
    if (m_session.maxPayload > 0 && encoded > m_session.maxPayload) {
        // The server refuses a POST over its maxPayload: say so now, not as a lost connection.
        QMetaObject::invokeMethod(
            this,
            [this, encoded] {
                fail(WebSocket::Error::MessageTooBig, quint16(CloseCode::MessageTooBig),
                    QStringLiteral("a message of %1 encoded bytes exceeds the server's "
                                   "maxPayload of %2 bytes")
                        .arg(encoded)
                        .arg(m_session.maxPayload));
            },
            Qt::QueuedConnection);
        return true;
    }
    m_queue.append(Packet::message(payload.toByteArray(), opCode == OpCode::Binary));
    m_queuedBytes += payload.size();
    scheduleFlush();
    return true;
}

void PollingChannel::close(quint16 code, const QString &reason)
{
    if (m_closeSent || m_gone || m_ended)
        return;
    m_closeSent = true;
    QByteArray data;
    if (code != quint16(CloseCode::NoStatusReceived))
        data = EngineIo::CloseInfo {code, reason}.toJson();
    m_queue.append(Packet::text(PacketType::Close, data));
    if (m_closeReceived)
        return;
    scheduleFlush();
}

void PollingChannel::scheduleFlush()
{
    if (m_flushScheduled || !m_started)
        return;
    m_flushScheduled = true;
    // Every send of this event-loop turn leaves in one POST.
    QMetaObject::invokeMethod(
        this, [this] { flush(); }, Qt::QueuedConnection);
}

void PollingChannel::flush()
{
    m_flushScheduled = false;
    if (!m_started || m_queue.isEmpty() || m_postLeg.exchange || m_postLeg.opening || m_gone
        || m_ended || m_failed)
        return;
    QList<Packet> batch;
    qint64 size = 0;
    qint64 bytes = 0;
    const qint64 limit = m_session.maxPayload > 0 ? m_session.maxPayload : EngineIo::DefaultMaxPayload;
    while (!m_queue.isEmpty()) {
        const Packet &next = m_queue.first();
        const qint64 encoded = EngineIo::encodePollingPacket(next).size() + 1;
        if (!batch.isEmpty() && size + encoded > limit)
            break;
        size += encoded;
        if (next.type == PacketType::Message)
            bytes += next.data.size();
        batch.append(m_queue.takeFirst());
    }
    m_queuedBytes -= bytes;
    m_postedBytes = bytes;
    HttpRequestHead head = requestHead("POST");
    const QByteArray body = EngineIo::encodePayload(batch);
    head.headers.set("Content-Type", "text/plain;charset=UTF-8");
    head.headers.set("Content-Length", QByteArray::number(body.size()));
    m_postLeg.retried = false;
    request(m_postLeg, head, body);
}

void PollingChannel::onPostAnswer()
{
    HttpExchange *exchange = finishExchange(m_postLeg);
    if (!exchange || m_gone || m_ended)
        return;
    if (retryOnFreshConnection(m_postLeg, *exchange))
        return;
    WebSocket::Error error = WebSocket::Error::NoError;
    if (const auto problem = responseProblem(*exchange, &error)) {
        if (m_closeSent) {
            // Our close reached a session that ended meanwhile: the close is complete.
            endAfterOurClose(*problem);
            return;
        }
        // Not retried: the server may have taken part of the payload; report, do not resend.
        lose(QStringLiteral("a POST of %1 message bytes was not accepted: %2")
                 .arg(m_postedBytes)
                 .arg(*problem));
        return;
    }
    const qint64 accepted = std::exchange(m_postedBytes, 0);
    const QPointer<PollingChannel> alive(this);
    if (accepted > 0) {
        if (Handler *h = handler())
            h->channelBytesWritten(accepted);
    }
    if (alive)
        flush();
}

// -------------------------------------------------------------------------------------------------
// the end

void PollingChannel::fail(WebSocket::Error error, quint16 code, const QString &message)
{
    if (m_failed || m_gone || m_ended)
        return;
    m_failed = true;
    qCDebug(lcQtwsTransport, "[%p] failing the polling session: %s", static_cast<void *>(this),
        qPrintable(message));
    stopAll();
    if (Handler *h = handler())
        h->channelProtocolError(error, code, message);
}

void PollingChannel::lose(const QString &reason)
{
    if (m_gone || m_ended)
        return;
    qCDebug(lcQtwsTransport, "[%p] polling session lost: %s", static_cast<void *>(this),
        qPrintable(reason));
    m_ended = true;
    stopAll();
    if (Handler *h = handler())
        h->channelDisconnected(m_closeReceived || m_failed, reason);
}

void PollingChannel::endAfterOurClose(const QString &reason)
{
    // The server ended the session after our close packet without a close packet of its own (a
    // stock engine.io server may drop the requests under way): a close without a status code.
    const QPointer<PollingChannel> alive(this);
    if (!m_closeReceived) {
        m_closeReceived = true;
        if (Handler *h = handler())
            h->channelCloseReceived(quint16(CloseCode::NoStatusReceived), QString());
    }
    if (alive)
        endLater(true, reason);
}

void PollingChannel::endLater(bool clean, const QString &reason)
{
    if (m_ended)
        return;
    m_ended = true;
    stopAll();
    QMetaObject::invokeMethod(
        this,
        [this, clean, reason] {
            if (Handler *h = m_gone ? nullptr : handler())
                h->channelDisconnected(clean, reason);
        },
        Qt::QueuedConnection);
}

void PollingChannel::disconnectFromPeer()
{
    endLater(true, QString());
}

void PollingChannel::abort()
{
    m_gone = true;
    stopAll();
}

void PollingChannel::stopAll()
{
    m_pingDeadline.stop();
    for (Leg *leg : {&m_pollLeg, &m_postLeg}) {
        if (HttpExchange *x = leg->exchange) {
            x->disconnect(this);
            x->abort();
            x->deleteLater();
        }
        leg->exchange = nullptr;
        discardStream(leg->stream, this);
    }
}

void PollingChannel::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_pingDeadline.id())
        return MessageChannel::timerEvent(event);
    m_pingDeadline.stop();
    fail(WebSocket::Error::PongTimeout, quint16(CloseCode::AbnormalClosure),
        QStringLiteral("No Engine.IO ping from the server within %1 ms (pingInterval + "
                       "pingTimeout): the session is gone")
            .arg((m_session.pingInterval + m_session.pingTimeout).count()));
}

MessageChannel::Handshake PollingChannel::handshake() const
{
    Handshake h;
    h.requestHead = m_openRequest;
    h.responseHead = m_openResponse;
    h.statusCode = m_openResponse.isEmpty() ? 0 : 200;
    return h;
}

QString PollingChannel::peerDescription() const
{
    return QStringLiteral("Engine.IO polling at %1 %2")
        .arg(m_settings.endpoint.toDisplayString(QUrl::RemoveUserInfo), m_path->description());
}

} // namespace QtWs
