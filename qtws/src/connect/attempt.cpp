// SPDX-License-Identifier: LGPL-3.0-or-later
#include "attempt.h"

#include "common/logging.h"
#include "connectmemory.h"
#include "pathconnector.h"
#include "pollingpath.h"
#include "protocol/proxyreply.h"
#include "protocol/url.h"
#include "proxyauthsession.h"
#include "transport/bytestream.h"
#include "transport/httpexchange.h"
#include "transport/pollingchannel.h"
#include "transport/streamchannel.h"

#include <QtCore/QRandomGenerator>
#include <QtCore/QTimerEvent>

namespace QtWs {

using namespace Protocol;
using Failure = ConnectAttempt::Failure;
using Responder = ConnectAttempt::Responder;

namespace {

bool isHttpProxy(const ProxyCandidate &hop)
{
    return hop.type() == ProxyCandidate::Type::Http || hop.type() == ProxyCandidate::Type::Https;
}

bool isSocksProxy(const ProxyCandidate &hop)
{
    return hop.type() == ProxyCandidate::Type::Socks4 || hop.type() == ProxyCandidate::Type::Socks5;
}

QString headerText(const HttpResponseHead &response, QByteArrayView name)
{
    return QString::fromLatin1(response.headers.combinedValue(name));
}

/*
    The forms of a forwarded upgrade, tried in order through the same proxy while the proxy drops
    the upgrade (answers with the server's 2xx): each is what some real proxy needs.
    - http:// target, "Upgrade: websocket": RFC 7230 §5.3.2 absolute form with the http spelling of
      the ws URL (RFC 6455 §3), the form every HTTP proxy parses, and RFC 6455's own token.
    - http:// target, "Upgrade: WebSocket": Squid compares upgrade protocol names case-sensitively,
      and the configuration line usually quoted is "http_upgrade_request_protocols WebSocket allow
      all"; servers must accept any case (RFC 6455 §4.2.1 item 3).
    - ws:// target: Apache's mod_proxy forwards an upgrade only for the ws scheme.
*/
struct ForwardedForm
{
    HandshakeRequest::TargetForm target;
    const char *upgradeToken;
    const char *description;
};
constexpr ForwardedForm forwardedForms[] = {
    {HandshakeRequest::TargetForm::AbsoluteHttp, "websocket", "http:// target, Upgrade: websocket"},
    {HandshakeRequest::TargetForm::AbsoluteHttp, "WebSocket", "http:// target, Upgrade: WebSocket"},
    {HandshakeRequest::TargetForm::Absolute, "websocket", "ws:// target"},
};

} // namespace

Attempt::Attempt(const ProxyCandidate &hop, Strategy strategy,
    std::shared_ptr<const AttemptContext> context, QObject *parent)
    : QObject(parent)
    , m_hop(hop)
    , m_strategy(strategy)
    , m_context(std::move(context))
    , m_record(hop, strategy)
    , m_ignoredSslErrors(m_context->ignoredSslErrors)
{ }

Attempt::~Attempt()
{
    release();
    delete m_channel;
}

bool Attempt::applies(
    Strategy strategy, const ProxyCandidate &hop, const QUrl &url, QString *whyNot)
{
    auto no = [whyNot](const QString &reason) {
        if (whyNot)
            *whyNot = reason;
        return false;
    };
    switch (strategy) {
    case Strategy::Direct:
        return hop.isDirect() || no(QStringLiteral("only for a DIRECT entry"));
    case Strategy::SocksTunnel:
        return isSocksProxy(hop) || no(QStringLiteral("only through a SOCKS proxy"));
    case Strategy::ConnectTunnel:
        return isHttpProxy(hop) || no(QStringLiteral("only through an HTTP or HTTPS proxy"));
    case Strategy::ForwardedUpgrade:
    case Strategy::BareUpgrade:
    case Strategy::OptionsUpgrade:
        if (!isHttpProxy(hop))
            return no(QStringLiteral("only through an HTTP or HTTPS proxy"));
        // The proxy would read (and could change) everything; a wss:// URL promises TLS to the
        // server end to end, which only a tunnel keeps.
        return !isSecureScheme(url.scheme())
            || no(QStringLiteral("not for wss://: only a tunnel keeps TLS end to end"));
    case Strategy::Polling: {
        // Any hop carries plain HTTP requests; security is never downgraded on the way.
        const QUrl endpoint = pollingEndpointFor(url, WebSocketOptions());
        if (!endpoint.isValid())
            return no(QStringLiteral("no polling endpoint for this URL"));
        return true;
    }
    }
    return false;
}

bool Attempt::isForwarded() const
{
    return m_strategy == Strategy::ForwardedUpgrade || m_strategy == Strategy::BareUpgrade
        || m_strategy == Strategy::OptionsUpgrade;
}

ConnectAttempt Attempt::record() const
{
    ConnectAttempt r = m_record;
    if (!m_finished && m_startedAt)
        r.setDuration(elapsed());
    return r;
}

std::chrono::milliseconds Attempt::elapsed() const
{
    return std::chrono::milliseconds(m_context->clock->now() - m_startedAt);
}

MessageChannel *Attempt::takeChannel()
{
    MessageChannel *channel = m_channel;
    m_channel = nullptr;
    if (channel)
        channel->setParent(nullptr);
    return channel;
}

void Attempt::start(std::chrono::milliseconds timeout)
{
    begin(timeout);
    startPath();
}

void Attempt::startOnStream(ByteStream *stream, std::chrono::milliseconds timeout)
{
    begin(timeout);
    m_stream = stream;
    stream->setParent(this);
    sendUpgrade();
}

void Attempt::begin(std::chrono::milliseconds timeout)
{
    m_timeout = timeout;
    m_startedAt = m_context->clock->now();
    m_record.setStartedAt(m_context->sinceOpen());
    m_deadline.start(m_context->clock, this, std::max(timeout, std::chrono::milliseconds(1)));
    if (isHttpProxy(m_hop)) {
        m_auth = new ProxyAuthSession(m_hop, this);
        connect(m_auth, &ProxyAuthSession::proxyAuthenticationRequired, this,
            &Attempt::onProxyAuthenticationRequired);
    }
    qCDebug(lcQtwsTransport, "[%p] attempt %s via %s", static_cast<void *>(this),
        qPrintable(strategyName(m_strategy)), qPrintable(m_hop.toPacString()));
}

void Attempt::cancel()
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    m_record.setOutcome(ConnectAttempt::Outcome::Cancelled);
    m_record.setDuration(elapsed());
    release();
}

void Attempt::ignoreSslErrors(const QList<QSslError> &errors)
{
    for (const QSslError &e : errors) {
        if (!m_ignoredSslErrors.contains(e))
            m_ignoredSslErrors.append(e);
    }
    if (m_path)
        m_path->ignoreSslErrors(m_ignoredSslErrors);
}

// -------------------------------------------------------------------------------------------------
// the path: hop, tunnel, TLS

void Attempt::startPath()
{
    const bool polling = m_strategy == Strategy::Polling;
    const QUrl url
        = polling ? pollingEndpointFor(m_context->url, m_context->options) : m_context->url;
    if (polling && isSecureScheme(m_context->url.scheme()) && !isSecureScheme(url.scheme())) {
        fail(Failure::ConnectionFailed,
            QStringLiteral("the polling endpoint %1 is not https:// and the URL is wss://: qtws "
                           "never falls back to a connection without TLS")
                .arg(url.toDisplayString()),
            QString(), WebSocket::Error::InvalidOptions);
        return;
    }
    const PathConnector::Target target = PollingPath::targetFor(url);
    const auto mode = polling ? PollingPath::modeFor(m_hop, url)
        : isForwarded()       ? PathConnector::Mode::Forward
                              : PathConnector::Mode::Tunnel;
    m_path = new PathConnector(m_hop, mode, target, m_context->options, m_auth, this);
    m_path->setIgnoredSslErrors(m_ignoredSslErrors);
    connect(m_path, &PathConnector::finished, this, &Attempt::onPath);
    // Only a path that can ask (TLS, a SOCKS5 proxy) is listened to for it: a DIRECT ws:// path
    // costs one connection, not three.
    if (m_hop.type() != ProxyCandidate::Type::Direct || target.tls) {
        connect(m_path, &PathConnector::sslErrors, this, &Attempt::onSslErrors);
        connect(m_path, &PathConnector::proxyAuthenticationRequired, this,
            &Attempt::onProxyAuthenticationRequired);
    }
    m_path->start();
}

void Attempt::onPath()
{
    PathConnector *path = m_path;
    if (m_finished || !path)
        return;
    m_path = nullptr;
    path->deleteLater();
    QStringList details;
    if (const auto &response = path->proxyResponse()) {
        recordAnswer(*response, Responder::Proxy);
        details.append(QStringLiteral("CONNECT answered \"%1\"")
                           .arg(QString::fromLatin1(response->displayStatusLine())));
    }
    if (!path->socksSummary().isEmpty())
        details.append(path->socksSummary());
    if (!path->detail().isEmpty() && path->isValid())
        details.append(path->detail()); // e.g. the proxy authentication rounds
    if (!details.isEmpty())
        m_record.setDetail(details.join(QStringLiteral("; ")));
    if (!path->isValid()) {
        fail(path->failure(), path->reason(), path->detail(), path->error());
        return;
    }
    m_stream = path->takeStream();
    m_stream->setParent(this);
    if (m_strategy == Strategy::Polling)
        startPolling();
    else
        sendUpgrade();
}

// -------------------------------------------------------------------------------------------------
// polling

void Attempt::startPolling()
{
    const WebSocketOptions &o = m_context->options;
    PollingChannel::Settings settings;
    settings.endpoint = pollingEndpointFor(m_context->url, o);
    settings.maxMessageSize = o.maxMessageSize();
    settings.frameEvents = m_context->frameEvents;
    settings.clock = m_context->clock;
    // What the handshake would have said about the page and the application goes with every
    // request (Origin, the application's own headers); the WebSocket's own fields do not.
    const HttpRequestHead upgrade = m_context->handshake.toRequestHead();
    for (QByteArrayView name : {"Origin", "User-Agent", "Authorization"}) {
        if (upgrade.headers.contains(name))
            settings.headers.set(name, upgrade.headers.value(name));
    }
    auto path = std::make_unique<PollingPath>(m_hop, settings.endpoint, o, m_ignoredSslErrors);
    auto *channel = new PollingChannel(settings, std::move(path), this);
    m_channel = channel;
    connect(channel, &PollingChannel::handshakeFinished, this, &Attempt::onPollingOpen);
    ByteStream *stream = m_stream;
    m_stream = nullptr;
    stream->disconnect(this);
    Q_EMIT progressed();
    channel->open(stream);
}

void Attempt::onPollingOpen()
{
    auto *channel = qobject_cast<PollingChannel *>(m_channel.data());
    if (m_finished || !channel)
        return;
    if (channel->isOpen()) {
        m_record.setStatus(QStringLiteral("HTTP/1.1 200 OK"), 200, Responder::Server);
        m_record.setDetail(
            QStringLiteral("Engine.IO session %1 at %2 (pingInterval %3 ms)")
                .arg(channel->session().sid,
                    pollingEndpointFor(m_context->url, m_context->options).toDisplayString())
                .arg(channel->session().pingInterval.count()));
        complete();
        return;
    }
    const PollingChannel::OpenFailure failure = *channel->openFailure();
    Failure kind = Failure::HandshakeInvalid;
    if (failure.response) {
        const bool byProxy = proxyReplyEvidence(*failure.response).generatedByProxy;
        recordAnswer(*failure.response, byProxy ? Responder::Proxy : Responder::Server);
        kind = byProxy ? (failure.response->statusCode == 407 ? Failure::ProxyAuthentication
                                                              : Failure::ProxyRefused)
            : failure.error == WebSocket::Error::HandshakeRejected ? Failure::HandshakeRejected
                                                                   : Failure::HandshakeInvalid;
    } else if (failure.error == WebSocket::Error::NetworkError
        || failure.error == WebSocket::Error::ClosedAbnormally) {
        kind = Failure::ConnectionFailed;
    }
    fail(kind, failure.reason, failure.detail,
        kind == Failure::HandshakeRejected ? WebSocket::Error::HandshakeRejected : failure.error);
}

// -------------------------------------------------------------------------------------------------
// the upgrade

HttpRequestHead Attempt::upgradeRequestHead()
{
    m_request = m_context->handshake;
    m_request.setKey(generateWebSocketKey()); // a fresh key per request (RFC 6455 §4.1 item 7)
    const ForwardedForm &form = forwardedForms[m_variant];
    switch (m_strategy) {
    case Strategy::ForwardedUpgrade:
    case Strategy::BareUpgrade:
        m_request.setTargetForm(form.target);
        break;
    case Strategy::OptionsUpgrade:
        m_request.setTargetForm(HandshakeRequest::TargetForm::AbsoluteHttp);
        m_request.setMethod("OPTIONS"); // RFC 2817 §3
        break;
    default:
        m_request.setTargetForm(HandshakeRequest::TargetForm::Origin);
        break;
    }
    HttpRequestHead head = m_request.toRequestHead();
    if (m_strategy == Strategy::ForwardedUpgrade || m_strategy == Strategy::BareUpgrade)
        head.headers.set("Upgrade", form.upgradeToken);
    if (m_strategy == Strategy::BareUpgrade) {
        // Issue 14: proxies read Connection as addressed to themselves and drop or refuse the
        // request for it, while a lone Upgrade travels on. RFC 6455 §4.1 requires Connection:
        // Upgrade, so the request says it knows it bends the rule; only qtws-relay accepts it.
        head.headers.remove("Connection");
        head.headers.append(BareUpgradeMarker, BareUpgradeMarkerValue);
    }
    if (isForwarded() && m_auth) {
        // The request is addressed to the proxy: its credentials go with it, to it alone.
        const QByteArray authorization = m_auth->authorizationFor(head.method, head.target);
        if (!authorization.isEmpty())
            head.headers.append("Proxy-Authorization", authorization);
    }
    return head;
}

Protocol::HttpRequestHead Attempt::upgradeRequest() const
{
    return m_upgradeSent ? m_request.toRequestHead() : HttpRequestHead();
}

void Attempt::sendUpgrade()
{
    m_upgradeSent = true;
    Q_EMIT progressed();
    delete m_exchange;
    m_exchange = new HttpExchange(this);
    connect(m_exchange, &HttpExchange::finished, this, &Attempt::onUpgradeAnswer);
    m_exchange->start(m_stream, upgradeRequestHead());
}

void Attempt::onUpgradeAnswer()
{
    HttpExchange *exchange = m_exchange;
    if (m_finished || !exchange)
        return;
    const bool forwarded = isForwarded();
    if (!exchange->hasResponseHead()) {
        const bool malformed = exchange->error() == HttpExchange::Error::MalformedResponse
            || exchange->error() == HttpExchange::Error::ResponseTooLarge;
        if (forwarded)
            fail(malformed ? Failure::ProxyProtocol : Failure::UpgradeNotForwarded,
                malformed ? QStringLiteral("the answer to the upgrade request is not valid HTTP")
                          : QStringLiteral("the proxy closed the connection without answering "
                                           "the upgrade request"),
                exchange->errorString());
        else
            fail(malformed ? Failure::HandshakeInvalid : Failure::ConnectionFailed,
                malformed ? QStringLiteral("the server's answer to the upgrade is not valid HTTP")
                          : QStringLiteral("the connection ended before the server answered the "
                                           "upgrade request"),
                exchange->errorString(),
                malformed ? WebSocket::Error::HandshakeInvalid
                          : WebSocket::Error::ClosedAbnormally);
        return;
    }
    const HttpResponseHead &response = exchange->response();
    if (forwarded && response.statusCode == 407 && m_auth) {
        recordAnswer(response, Responder::Proxy);
        retryAfter407(response, exchange->isReusable());
        return;
    }
    if (forwarded && m_auth)
        m_auth->accepted();
    const HandshakeResult result = validateHandshakeResponse(m_request, response);
    if (result.isValid()) {
        recordAnswer(response, Responder::Server);
        succeed(response, result, exchange->leftover());
        return;
    }
    if (forwarded) {
        onForwardedRefusal(response, result);
        return;
    }
    // Through a tunnel (or direct) the answer is the server's own.
    recordAnswer(response, Responder::Server);
    if (result.error == HandshakeError::UnexpectedStatus)
        fail(Failure::HandshakeRejected,
            QStringLiteral("the server answered the upgrade with %1")
                .arg(QString::fromLatin1(response.displayStatusLine())),
            result.errorString);
    else
        fail(Failure::HandshakeInvalid,
            QStringLiteral("the server's 101 is not a valid WebSocket handshake"),
            result.errorString);
}

void Attempt::onForwardedRefusal(const HttpResponseHead &response, const HandshakeResult &result)
{
    const ProxyRequestKind kind = m_strategy == Strategy::OptionsUpgrade
        ? ProxyRequestKind::OptionsUpgrade
        : ProxyRequestKind::ForwardedUpgrade;
    const ProxyReply reply = response.statusCode == 101
        ? classifyInvalidUpgrade(kind, response, result)
        : classifyProxyReply(
            kind, response, m_context->url.toString(QUrl::RemoveUserInfo).toUtf8());
    const bool byProxy = reply.evidence.generatedByProxy;
    recordAnswer(response, byProxy ? Responder::Proxy : Responder::Server);
    // Answers that mean "the upgrade was lost on the way": the server's own answer to a plain
    // GET (a 2xx, or 426 Upgrade Required from a WebSocket-only server), or the proxy's 502 when
    // such a server closed on the plain GET. Another form of the request may get through.
    const bool lost = reply.outcome == ProxyReplyOutcome::UpgradeIgnored
        || response.statusCode == 426 || reply.outcome == ProxyReplyOutcome::BadGateway;
    QString reason = reply.reason;
    if (lost && reply.outcome == ProxyReplyOutcome::BadGateway)
        reason += QStringLiteral("; a proxy that removes Upgrade sends the server a plain GET, "
                                 "which WebSocket-only servers close");
    if (lost && m_formNotes.isEmpty())
        m_firstLost = response;
    if (lost && tryNextForm(reason))
        return;
    if (!m_formNotes.isEmpty()) {
        // Earlier forms lost the upgrade: that is the finding; how the last form fared is detail.
        m_formNotes.append(QString::fromLatin1(forwardedForms[m_variant].description)
            + QStringLiteral(": ") + reason);
        recordAnswer(m_firstLost, byProxy ? Responder::Proxy : Responder::Server);
        fail(Failure::UpgradeNotForwarded, m_firstLostReason,
            m_formNotes.join(QStringLiteral("; ")));
        return;
    }
    const QString forms;
    switch (reply.outcome) {
    case ProxyReplyOutcome::InvalidUpgrade:
        fail(Failure::HandshakeInvalid, reply.reason, result.errorString);
        return;
    case ProxyReplyOutcome::UpgradeIgnored:
        fail(Failure::UpgradeNotForwarded, reason, forms);
        return;
    case ProxyReplyOutcome::BogusAuthentication:
        fail(Failure::ProxyAuthentication, reply.reason);
        return;
    default:
        break;
    }
    if (lost)
        fail(Failure::UpgradeNotForwarded, reason, forms);
    else if (byProxy)
        fail(Failure::ProxyRefused, reply.reason, forms);
    else
        fail(Failure::HandshakeRejected, reply.reason, forms, WebSocket::Error::HandshakeRejected);
}

bool Attempt::tryNextForm(const QString &why)
{
    if (m_strategy != Strategy::ForwardedUpgrade && m_strategy != Strategy::BareUpgrade)
        return false;
    if (m_variant + 1 >= int(std::size(forwardedForms)))
        return false;
    if (m_formNotes.isEmpty())
        m_firstLostReason = why;
    m_formNotes.append(
        QString::fromLatin1(forwardedForms[m_variant].description) + QStringLiteral(": ") + why);
    ++m_variant;
    m_record.setDetail(m_formNotes.join(QStringLiteral("; ")));
    qCDebug(lcQtwsTransport, "[%p] the proxy dropped the upgrade; trying %s",
        static_cast<void *>(this), forwardedForms[m_variant].description);
    if (m_exchange && m_exchange->isReusable()) {
        sendUpgrade();
        return true;
    }
    discardStream(m_stream, this);
    startPath();
    return true;
}

void Attempt::retryAfter407(const HttpResponseHead &response, bool reusable)
{
    const HttpRequestHead sent = m_exchange->request();
    const ProxyAuthSession::Decision d = m_auth->handle407(response, sent.method, sent.target);
    if (m_finished)
        return;
    if (!d.retry) {
        fail(Failure::ProxyAuthentication, d.reason, d.detail, d.error);
        return;
    }
    m_record.setDetail(d.detail);
    if (reusable) {
        sendUpgrade();
        return;
    }
    // The proxy closed the connection with its 407: the credentials go on a new one.
    m_auth->connectionReset();
    discardStream(m_stream, this);
    startPath();
}

// -------------------------------------------------------------------------------------------------
// the end

void Attempt::recordAnswer(const HttpResponseHead &response, Responder who)
{
    m_record.setStatus(QString::fromLatin1(response.displayStatusLine()), response.statusCode, who);
    m_record.setProxyHeaders(headerText(response, "Server"), headerText(response, "Via"),
        headerText(response, "X-Squid-Error"));
}

void Attempt::succeed(
    const HttpResponseHead &response, const HandshakeResult &result, const QByteArray &leftover)
{
    const WebSocketOptions &o = m_context->options;
    EndpointOptions eo;
    eo.reader.maxFrameSize = o.maxFrameSize();
    eo.reader.maxMessageSize = o.maxMessageSize();
    eo.reader.frameEvents = m_context->frameEvents;
    // decodeText stays off: validating as bytes arrive keeps Autobahn's fail-fast cases 6.4.x
    // strict (RFC 6455 §8.1 lets an endpoint fail as soon as the data is known invalid).
    eo.reader.decodeText = false;
    eo.setDeflate(result.deflate, result.deflateParameters);
    StreamChannel::Opening opening(m_request.toRequestHead(), response, result);
    ByteStream *stream = m_stream;
    m_stream = nullptr;
    stream->disconnect(this);
    auto *channel
        = new StreamChannel(stream, eo, std::move(opening), leftover, m_context->clock, this);
    m_channel = channel;
    if (isForwarded()) {
        // The 101 came through a proxy that read the request: prove that it relays frames now
        // (Privoxy forwards the 101 and then relays nothing). The attempt's deadline bounds it.
        Q_EMIT progressed();
        connect(
            channel, &StreamChannel::probeFinished, this, [this](bool ok, const QString &reason) {
                if (ok)
                    complete();
                else
                    fail(Failure::UpgradeNotForwarded,
                        QStringLiteral("the proxy forwarded the server's 101 but relays nothing "
                                       "after it"),
                        reason);
            });
        QByteArray probe(8, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(probe.data()), 2);
        channel->startProbe(probe);
        return;
    }
    complete();
}

QString Attempt::successSentence() const
{
    const QString form = QString::fromLatin1(forwardedForms[m_variant].description);
    switch (m_strategy) {
    case Strategy::Direct:
        return QStringLiteral("connected to the server directly and upgraded");
    case Strategy::SocksTunnel:
        return QStringLiteral("the SOCKS proxy opened a tunnel to the server; upgraded inside it");
    case Strategy::ConnectTunnel:
        return QStringLiteral("the proxy accepted CONNECT; upgraded inside the tunnel");
    case Strategy::ForwardedUpgrade:
        return QStringLiteral("the proxy forwarded the upgrade request (%1) and relays frames")
            .arg(form);
    case Strategy::BareUpgrade:
        return QStringLiteral("the proxy forwarded an upgrade without Connection: Upgrade (%1), "
                              "which qtws-relay accepts, and relays frames")
            .arg(form);
    case Strategy::OptionsUpgrade:
        return QStringLiteral("the proxy forwarded the OPTIONS upgrade (RFC 2817) and relays "
                              "frames");
    case Strategy::Polling:
        return QStringLiteral("the upgrade strategies failed; messages go over Engine.IO "
                              "long-polling requests (HTTP)");
    }
    return QStringLiteral("connected");
}

void Attempt::complete()
{
    if (m_finished)
        return;
    if (MessageChannel *channel = m_channel)
        channel->disconnect(this);
    m_finished = true;
    m_deadline.stop();
    m_record.setOutcome(ConnectAttempt::Outcome::Succeeded);
    m_record.setReason(successSentence());
    m_record.setDuration(elapsed());
    qCDebug(lcQtwsTransport, "[%p] %s via %s succeeded in %lld ms", static_cast<void *>(this),
        qPrintable(strategyName(m_strategy)), qPrintable(m_hop.toPacString()),
        qint64(elapsed().count()));
    release();
    notifyFinished();
}

void Attempt::fail(
    Failure failure, const QString &reason, const QString &detail, WebSocket::Error error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    m_error = error != WebSocket::Error::NoError ? error : errorForFailure(failure);
    m_record.setFailure(failure, reason);
    if (!detail.isEmpty())
        m_record.setDetail(detail);
    m_record.setDuration(elapsed());
    qCDebug(lcQtwsTransport, "[%p] %s via %s failed: %s (%s)", static_cast<void *>(this),
        qPrintable(strategyName(m_strategy)), qPrintable(m_hop.toPacString()), qPrintable(reason),
        qPrintable(detail));
    release();
    if (MessageChannel *channel = m_channel) {
        m_channel = nullptr;
        channel->disconnect(this);
        channel->abort();
        channel->deleteLater();
    }
    notifyFinished();
}

void Attempt::notifyFinished()
{
    const QPointer<Attempt> alive(this);
    if (m_listener)
        m_listener->attemptFinished(this);
    if (alive)
        Q_EMIT finished();
}

void Attempt::onSslErrors(const QList<QSslError> &errors)
{
    const QPointer<Attempt> alive(this);
    if (m_listener)
        m_listener->attemptSslErrors(errors);
    if (alive)
        Q_EMIT sslErrors(errors);
}

void Attempt::onProxyAuthenticationRequired(
    const QNetworkProxy &proxy, QAuthenticator *authenticator)
{
    const QPointer<Attempt> alive(this);
    if (m_listener)
        m_listener->attemptProxyAuthenticationRequired(proxy, authenticator);
    if (alive)
        Q_EMIT proxyAuthenticationRequired(proxy, authenticator);
}

void Attempt::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_deadline.id())
        return QObject::timerEvent(event);
    m_deadline.stop();
    if (auto *channel = qobject_cast<StreamChannel *>(m_channel.data());
        channel && channel->isProbing()) {
        fail(Failure::UpgradeNotForwarded,
            QStringLiteral("the proxy forwarded the server's 101 but relayed nothing after it: "
                           "no answer to a probe Ping within %1 ms")
                .arg(m_timeout.count()));
        return;
    }
    const QString what = m_path ? m_path->stepText()
        : m_strategy == Strategy::Polling
        ? QStringLiteral("waiting for the polling endpoint's open packet")
        : QStringLiteral("waiting for the answer to the upgrade request");
    // A proxy that cannot even be reached in time counts as unreachable, as a refusing one does.
    const bool unreachable = m_path && m_path->isReachingHop() && !m_hop.isDirect();
    if (unreachable)
        ConnectMemory::markUnreachable(m_hop);
    fail(unreachable ? Failure::ProxyUnreachable : Failure::Timeout,
        QStringLiteral("no progress within %1 ms %2").arg(m_timeout.count()).arg(what));
}

void Attempt::release()
{
    if (m_path) {
        m_path->disconnect(this);
        m_path->abort();
        m_path->deleteLater();
        m_path = nullptr;
    }
    if (m_exchange) {
        m_exchange->disconnect(this);
        m_exchange->abort();
        m_exchange->deleteLater();
        m_exchange = nullptr;
    }
    discardStream(m_stream, this);
}

} // namespace QtWs
