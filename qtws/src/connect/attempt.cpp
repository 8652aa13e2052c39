// SPDX-License-Identifier: LGPL-3.0-or-later
#include "attempt.h"

#include "common/logging.h"
#include "connectmemory.h"
#include "protocol/proxyauth.h"
#include "protocol/proxyreply.h"
#include "protocol/url.h"
#include "socksclient.h"
#include "transport/bytestream.h"
#include "transport/httpexchange.h"
#include "transport/streamchannel.h"
#include "transport/tcpconnector.h"

#include <QtCore/QTimerEvent>
#include <QtNetwork/QAuthenticator>

#include <limits>

namespace QtWs {

using namespace Protocol;
using Failure = ConnectAttempt::Failure;
using Responder = ConnectAttempt::Responder;

namespace {

bool isTunnel(Strategy s)
{
    return s == Strategy::Direct || s == Strategy::SocksTunnel || s == Strategy::ConnectTunnel;
}

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

WebSocket::Error errorForFailure(Failure failure)
{
    switch (failure) {
    case Failure::None:
        return WebSocket::Error::NoError;
    case Failure::ProxyUnreachable:
        return WebSocket::Error::ProxyUnreachable;
    case Failure::ProxyRefused:
    case Failure::UpgradeNotForwarded:
        return WebSocket::Error::ProxyRefused;
    case Failure::ProxyAuthentication:
        return WebSocket::Error::ProxyAuthenticationFailed;
    case Failure::ProxyProtocol:
        return WebSocket::Error::ProxyProtocolError;
    case Failure::ConnectionFailed:
        return WebSocket::Error::NetworkError;
    case Failure::TlsFailed:
        return WebSocket::Error::TlsHandshakeFailed;
    case Failure::HandshakeRejected:
        return WebSocket::Error::HandshakeRejected;
    case Failure::HandshakeInvalid:
        return WebSocket::Error::HandshakeInvalid;
    case Failure::Timeout:
        return WebSocket::Error::HandshakeTimeout;
    }
    return WebSocket::Error::NetworkError;
}

// RFC 7230 §5.3.3: CONNECT names host and port, always with the port.
QByteArray authorityOf(const QUrl &url)
{
    QByteArray host = url.host(QUrl::EncodeUnicode).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    return host + ':' + QByteArray::number(effectivePort(url));
}

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
    const bool secure = isSecureScheme(url.scheme());
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
        // The proxy would see (and could change) everything; a wss:// URL promises TLS to the
        // server, which only a tunnel gives.
        return !secure || no(QStringLiteral("not for wss:// (the proxy would see the traffic)"));
    case Strategy::Polling:
        return no(QStringLiteral("the polling transport is not available"));
    }
    return false;
}

ConnectAttempt Attempt::record() const
{
    ConnectAttempt r = m_record;
    if (!m_finished && m_elapsed.isValid())
        r.setDuration(std::chrono::milliseconds(m_elapsed.elapsed()));
    return r;
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
    m_timeout = timeout;
    m_elapsed.start();
    m_record.setStartedAt(std::chrono::milliseconds(m_context->clock.elapsed()));
    const qint64 ms = std::clamp<qint64>(timeout.count(), 1, std::numeric_limits<int>::max());
    m_deadline.start(int(ms), this);
    const std::optional<ConnectMemory::Credentials> remembered = ConnectMemory::credentials(m_hop);
    ProxyCredentials credentials {m_hop.user(), m_hop.password()};
    if (credentials.isEmpty() && remembered)
        credentials = {remembered->user, remembered->password};
    m_auth = std::make_unique<ProxyAuthenticator>(credentials, MaxAuthRounds);
    qCDebug(lcQtwsTransport, "[%p] attempt %s via %s", static_cast<void *>(this),
        qPrintable(strategyName(m_strategy)), qPrintable(m_hop.toPacString()));
    reach();
}

void Attempt::cancel()
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    m_record.setOutcome(ConnectAttempt::Outcome::Cancelled);
    m_record.setDuration(std::chrono::milliseconds(m_elapsed.elapsed()));
    release();
}

void Attempt::ignoreSslErrors(const QList<QSslError> &errors)
{
    for (const QSslError &e : errors) {
        if (!m_ignoredSslErrors.contains(e))
            m_ignoredSslErrors.append(e);
    }
    if (m_tls)
        m_tls->ignoreSslErrors(m_ignoredSslErrors);
}

void Attempt::setStep(Step step)
{
    m_step = step;
    Q_EMIT progressed();
}

QString Attempt::hopName() const
{
    if (m_hop.isDirect())
        return m_context->url.host() + u':' + QString::number(effectivePort(m_context->url));
    const QString host = m_hop.host().contains(u':') ? u'[' + m_hop.host() + u']' : m_hop.host();
    return host + u':' + QString::number(m_hop.port());
}

QString Attempt::stepText() const
{
    switch (m_step) {
    case Step::Reaching:
        return m_hop.isDirect() ? QStringLiteral("connecting to the server")
                                : QStringLiteral("connecting to the proxy");
    case Step::ProxyTls:
        return QStringLiteral("in the TLS handshake with the HTTPS proxy");
    case Step::Socks:
        return QStringLiteral("in the SOCKS handshake");
    case Step::Connect:
        return QStringLiteral("waiting for the proxy's answer to CONNECT");
    case Step::ServerTls:
        return QStringLiteral("in the TLS handshake with the server");
    case Step::Upgrade:
        return QStringLiteral("waiting for the answer to the upgrade request");
    case Step::Idle:
    case Step::Done:
        break;
    }
    return QString();
}

QNetworkProxy Attempt::networkProxy() const
{
    const QNetworkProxy::ProxyType type = isSocksProxy(m_hop) ? QNetworkProxy::Socks5Proxy
                                                              : QNetworkProxy::HttpProxy;
    return QNetworkProxy(type, m_hop.host(), m_hop.port());
}

// -------------------------------------------------------------------------------------------------
// reach: TCP to the hop, TLS to an HTTPS proxy

void Attempt::reach()
{
    setStep(Step::Reaching);
    const QUrl &url = m_context->url;
    const bool direct = m_hop.isDirect();
    const bool tlsToServer = isSecureScheme(url.scheme()) && isTunnel(m_strategy);
    const bool tlsToProxy = m_hop.type() == ProxyCandidate::Type::Https;
    delete m_connector;
    m_connector = new TcpConnector(this);
    connect(m_connector, &TcpConnector::finished, this, &Attempt::onReached);
    m_connector->connectToHost(direct ? url.host() : m_hop.host(),
        direct ? quint16(effectivePort(url)) : m_hop.port(), tlsToServer || tlsToProxy);
}

void Attempt::onReached()
{
    TcpConnector *connector = m_connector;
    if (m_finished || !connector)
        return;
    if (connector->failure() != ConnectFailure::None) {
        failReach(connector->failure(), connector->errorString());
        return;
    }
    m_stream = connector->takeStream();
    m_stream->setParent(this);
    connector->deleteLater();
    if (m_hop.type() != ProxyCandidate::Type::Https) {
        afterHop();
        return;
    }
    setStep(Step::ProxyTls);
    TlsSettings tls;
    tls.configuration = m_context->options.sslConfiguration();
    tls.verifyName = m_hop.host();
    tls.ignoredErrors = m_ignoredSslErrors;
    m_tls = new TlsClient(this);
    connect(m_tls, &TlsClient::sslErrors, this, &Attempt::sslErrors);
    connect(m_tls, &TlsClient::finished, this, &Attempt::onProxyTls);
    m_tls->start(m_stream, tls);
    m_stream = nullptr; // the TLS client owns it now
}

void Attempt::onProxyTls()
{
    TlsClient *tls = m_tls;
    if (m_finished || !tls)
        return;
    if (tls->failure() != ConnectFailure::None) {
        fail(Failure::ProxyUnreachable,
            QStringLiteral("TLS with the HTTPS proxy %1 failed").arg(hopName()),
            tls->errorString());
        return;
    }
    m_stream = tls->takeStream();
    m_stream->setParent(this);
    tls->deleteLater();
    afterHop();
}

void Attempt::failReach(ConnectFailure failure, const QString &message)
{
    if (m_hop.isDirect()) {
        const QString what = failure == ConnectFailure::HostNotFound
            ? QStringLiteral("the server's name %1 did not resolve").arg(m_context->url.host())
            : QStringLiteral("could not connect to the server %1").arg(hopName());
        WebSocket::Error error = WebSocket::Error::NetworkError;
        if (failure == ConnectFailure::HostNotFound)
            error = WebSocket::Error::HostNotFound;
        else if (failure == ConnectFailure::ConnectionRefused)
            error = WebSocket::Error::ConnectionRefused;
        fail(Failure::ConnectionFailed, what, message, error);
        return;
    }
    const QString what = failure == ConnectFailure::HostNotFound
        ? QStringLiteral("the proxy's name %1 did not resolve").arg(m_hop.host())
        : QStringLiteral("could not connect to the proxy %1").arg(hopName());
    fail(Failure::ProxyUnreachable, what, message);
}

void Attempt::afterHop()
{
    switch (m_strategy) {
    case Strategy::SocksTunnel:
        startSocks();
        return;
    case Strategy::ConnectTunnel:
        sendConnect();
        return;
    case Strategy::Direct:
        startServerTls();
        return;
    case Strategy::ForwardedUpgrade:
    case Strategy::BareUpgrade:
    case Strategy::OptionsUpgrade:
        sendUpgrade();
        return;
    case Strategy::Polling:
        break;
    }
    fail(Failure::ConnectionFailed, QStringLiteral("strategy not available"));
}

// -------------------------------------------------------------------------------------------------
// SOCKS

void Attempt::startSocks()
{
    setStep(Step::Socks);
    m_socks = std::make_unique<SocksClient>();
    connect(m_socks.get(), &SocksClient::finished, this, &Attempt::onSocks);
    m_socks->start(m_stream, m_hop, m_context->url.host(), quint16(effectivePort(m_context->url)));
}

void Attempt::onSocks()
{
    if (m_finished || !m_socks)
        return;
    const std::unique_ptr<SocksClient> socks = std::move(m_socks);
    switch (socks->failure()) {
    case SocksClient::Failure::None:
        m_record.setReason(socks->summary());
        startServerTls();
        return;
    case SocksClient::Failure::Refused:
        fail(Failure::ProxyRefused, socks->errorString());
        return;
    case SocksClient::Failure::Authentication:
        fail(Failure::ProxyAuthentication, socks->errorString());
        return;
    case SocksClient::Failure::Protocol:
        fail(Failure::ProxyProtocol, socks->errorString());
        return;
    case SocksClient::Failure::HostNotFound:
        fail(Failure::ConnectionFailed, socks->errorString());
        return;
    case SocksClient::Failure::Closed:
        fail(Failure::ProxyRefused, socks->errorString());
        return;
    }
}

// -------------------------------------------------------------------------------------------------
// CONNECT

void Attempt::sendConnect()
{
    setStep(Step::Connect);
    const QByteArray authority = authorityOf(m_context->url);
    HttpRequestHead head;
    head.method = "CONNECT";
    head.target = authority; // RFC 7230 §5.3.3 authority-form
    head.headers.append("Host", authority);
    const QByteArray authorization = m_auth->authorizationFor(head.method, head.target);
    if (!authorization.isEmpty())
        head.headers.append("Proxy-Authorization", authorization);
    delete m_exchange;
    m_exchange = new HttpExchange(this);
    connect(m_exchange, &HttpExchange::finished, this, &Attempt::onConnectAnswer);
    m_exchange->start(m_stream, head);
}

void Attempt::onConnectAnswer()
{
    HttpExchange *exchange = m_exchange;
    if (m_finished || !exchange)
        return;
    if (!exchange->hasResponseHead()) {
        const bool malformed = exchange->error() == HttpExchange::Error::MalformedResponse
            || exchange->error() == HttpExchange::Error::ResponseTooLarge;
        fail(malformed ? Failure::ProxyProtocol : Failure::ProxyRefused,
            malformed ? QStringLiteral("the proxy's answer to CONNECT is not valid HTTP")
                      : QStringLiteral("the proxy closed the connection without answering CONNECT"),
            exchange->errorString());
        return;
    }
    const HttpResponseHead &response = exchange->response();
    recordAnswer(response, Responder::Proxy);
    const ProxyReplyAssessment assessment
        = assessProxyReply(response, ProxyRequestKind::Connect, m_context->url);
    if (response.statusCode == 407) {
        handleProxyAuth(response, exchange->isReusable());
        return;
    }
    if (!exchange->isValid()) {
        fail(Failure::ProxyRefused, assessment.reason, exchange->errorString());
        return;
    }
    if (response.statusCode / 100 == 2) {
        if (!exchange->leftover().isEmpty()) {
            // Nothing may come through a new tunnel before we speak: neither a TLS server nor a
            // WebSocket server talks first. Bytes here are the proxy's (a body, an error page).
            fail(Failure::ProxyProtocol,
                QStringLiteral("the proxy sent %1 bytes after its %2 to CONNECT before the tunnel "
                               "carried anything: not a working tunnel")
                    .arg(exchange->leftover().size())
                    .arg(response.statusCode));
            return;
        }
        rememberAcceptedCredentials();
        startServerTls();
        return;
    }
    fail(Failure::ProxyRefused, assessment.reason);
}

// -------------------------------------------------------------------------------------------------
// TLS to the server

void Attempt::startServerTls()
{
    if (!isSecureScheme(m_context->url.scheme())) {
        sendUpgrade();
        return;
    }
    setStep(Step::ServerTls);
    TlsSettings tls;
    tls.configuration = m_context->options.sslConfiguration();
    tls.verifyName = m_context->url.host(); // RFC 6455 §4.1 item 5: SNI and the certificate name
    tls.ignoredErrors = m_ignoredSslErrors;
    delete m_tls;
    m_tls = new TlsClient(this);
    connect(m_tls, &TlsClient::sslErrors, this, &Attempt::sslErrors);
    connect(m_tls, &TlsClient::finished, this, &Attempt::onServerTls);
    m_tls->start(m_stream, tls);
    m_stream = nullptr;
}

void Attempt::onServerTls()
{
    TlsClient *tls = m_tls;
    if (m_finished || !tls)
        return;
    if (tls->failure() != ConnectFailure::None) {
        fail(Failure::TlsFailed,
            QStringLiteral("TLS with the server %1 failed").arg(m_context->url.host()),
            tls->errorString());
        return;
    }
    m_stream = tls->takeStream();
    m_stream->setParent(this);
    tls->deleteLater();
    sendUpgrade();
}

// -------------------------------------------------------------------------------------------------
// the upgrade

HttpRequestHead Attempt::upgradeRequestHead(HandshakeRequest *request) const
{
    *request = m_context->handshake;
    request->setKey(generateWebSocketKey()); // a fresh key per attempt (RFC 6455 §4.1 item 7)
    switch (m_strategy) {
    case Strategy::ForwardedUpgrade:
    case Strategy::BareUpgrade:
        request->setTargetForm(HandshakeRequest::TargetForm::AbsoluteHttp);
        break;
    case Strategy::OptionsUpgrade:
        request->setTargetForm(HandshakeRequest::TargetForm::AbsoluteHttp);
        request->setMethod("OPTIONS");
        break;
    default:
        request->setTargetForm(HandshakeRequest::TargetForm::Origin);
        break;
    }
    HttpRequestHead head = request->toRequestHead();
    return head;
}

void Attempt::sendUpgrade()
{
    setStep(Step::Upgrade);
    HttpRequestHead head = upgradeRequestHead(&m_request);
    if (!isTunnel(m_strategy)) {
        // The request is addressed to the proxy: its credentials go with it, to it alone.
        const QByteArray authorization = m_auth->authorizationFor(head.method, head.target);
        if (!authorization.isEmpty())
            head.headers.append("Proxy-Authorization", authorization);
    }
    m_record.setDetail(QString());
    delete m_exchange;
    m_exchange = new HttpExchange(this);
    connect(m_exchange, &HttpExchange::finished, this, &Attempt::onUpgradeAnswer);
    m_exchange->start(m_stream, head);
}

void Attempt::onUpgradeAnswer()
{
    HttpExchange *exchange = m_exchange;
    if (m_finished || !exchange)
        return;
    const bool forwarded = !isTunnel(m_strategy);
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
                exchange->errorString());
        return;
    }
    const HttpResponseHead &response = exchange->response();
    if (forwarded && response.statusCode == 407) {
        recordAnswer(response, Responder::Proxy);
        handleProxyAuth(response, exchange->isReusable());
        return;
    }
    if (forwarded)
        rememberAcceptedCredentials();
    const HandshakeResult result = validateHandshakeResponse(m_request, response);
    if (result.isValid()) {
        recordAnswer(response, Responder::Server);
        succeed(m_request, response, result, exchange->leftover());
        return;
    }
    if (!forwarded) {
        // Through a tunnel (or direct) the answer is the server's own.
        recordAnswer(response, Responder::Server);
        const bool rejected = result.error == HandshakeError::UnexpectedStatus;
        fail(rejected ? Failure::HandshakeRejected : Failure::HandshakeInvalid,
            rejected ? QStringLiteral("the server answered the upgrade with %1")
                           .arg(QString::fromLatin1(response.displayStatusLine()))
                     : QStringLiteral("the server's 101 is not a valid WebSocket handshake"),
            result.errorString);
        return;
    }
    const ProxyReplyAssessment assessment = assessProxyReply(response,
        m_strategy == Strategy::OptionsUpgrade ? ProxyRequestKind::OptionsUpgrade
                                               : ProxyRequestKind::ForwardedUpgrade,
        m_context->url);
    recordAnswer(response,
        assessment.fromProxy ? Responder::Proxy : Responder::Server);
    if (response.statusCode == 101)
        fail(Failure::HandshakeInvalid, assessment.reason, result.errorString);
    else if (response.statusCode / 100 == 2)
        fail(Failure::UpgradeNotForwarded, assessment.reason, result.errorString);
    else if (assessment.fromProxy)
        fail(Failure::ProxyRefused, assessment.reason);
    else
        fail(Failure::HandshakeRejected, assessment.reason);
}

// -------------------------------------------------------------------------------------------------
// proxy authentication

bool Attempt::handleProxyAuth(const HttpResponseHead &response, bool reusable)
{
    const HttpRequestHead &sent = m_exchange->request();
    ProxyAuthenticator::Decision decision
        = m_auth->handleChallenge(response, sent.method, sent.target);
    if (decision.action == ProxyAuthenticator::Action::PromptForCredentials) {
        QAuthenticator authenticator;
        authenticator.setRealm(decision.realm);
        authenticator.setOption(QStringLiteral("scheme"), QString::fromLatin1(authSchemeName(decision.scheme)));
        const QPointer<Attempt> alive(this);
        Q_EMIT proxyAuthenticationRequired(networkProxy(), &authenticator);
        if (!alive || m_finished)
            return false;
        decision = m_auth->provideCredentials({authenticator.user(), authenticator.password()});
    }
    if (decision.action == ProxyAuthenticator::Action::Fail) {
        if (decision.error == ProxyAuthError::CredentialsRejected
            || decision.error == ProxyAuthError::TooManyRounds)
            ConnectMemory::forgetCredentials(m_hop);
        const bool none = decision.error == ProxyAuthError::MissingCredentials;
        fail(Failure::ProxyAuthentication,
            none ? QStringLiteral("the proxy %1 requires authentication and no credentials were "
                                  "given")
                       .arg(hopName())
                 : QStringLiteral("proxy authentication failed at %1: %2")
                       .arg(hopName(), decision.errorString),
            QString(),
            none ? WebSocket::Error::ProxyAuthenticationRequired
                 : WebSocket::Error::ProxyAuthenticationFailed);
        return false;
    }
    m_record.setDetail(QStringLiteral("%1 authentication, round %2")
                           .arg(QString::fromLatin1(authSchemeName(decision.scheme)))
                           .arg(m_auth->rounds()));
    if (reusable) {
        if (m_step == Step::Connect)
            sendConnect();
        else
            sendUpgrade();
        return true;
    }
    // The proxy closed the connection with its 407 (Squid does with Connection: close on some
    // configurations): the credentials go on a new connection to the same proxy.
    m_auth->connectionReset();
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
        m_stream->deleteLater();
        m_stream = nullptr;
    }
    m_reconnectForAuth = true;
    reach();
    return true;
}

void Attempt::rememberAcceptedCredentials()
{
    const ProxyCredentials c = m_auth->credentials();
    if (m_auth->rounds() > 0 && !c.isEmpty())
        ConnectMemory::storeCredentials(m_hop, {c.user, c.password});
}

// -------------------------------------------------------------------------------------------------
// the end

void Attempt::recordAnswer(const HttpResponseHead &response, Responder who)
{
    m_record.setStatus(QString::fromLatin1(response.displayStatusLine()), response.statusCode, who);
    m_record.setProxyHeaders(headerText(response, "Server"), headerText(response, "Via"),
        headerText(response, "X-Squid-Error"));
}

void Attempt::succeed(const HandshakeRequest &request, const HttpResponseHead &response,
    const HandshakeResult &result, const QByteArray &leftover)
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
    StreamChannel::Opening opening {request.toRequestHead(), response, result};
    ByteStream *stream = m_stream;
    m_stream = nullptr;
    stream->disconnect(this);
    m_channel = new StreamChannel(stream, eo, std::move(opening), leftover, this);
    m_record.setOutcome(ConnectAttempt::Outcome::Succeeded);
    if (m_record.reason().isEmpty())
        m_record.setReason(QStringLiteral("upgraded to WebSocket"));
    m_finished = true;
    m_deadline.stop();
    m_step = Step::Done;
    m_record.setDuration(std::chrono::milliseconds(m_elapsed.elapsed()));
    if (!m_hop.isDirect())
        ConnectMemory::markReachable(m_hop);
    qCDebug(lcQtwsTransport, "[%p] %s via %s succeeded in %lld ms", static_cast<void *>(this),
        qPrintable(strategyName(m_strategy)), qPrintable(m_hop.toPacString()),
        qint64(m_elapsed.elapsed()));
    release();
    Q_EMIT finished();
}

void Attempt::fail(
    Failure failure, const QString &reason, const QString &detail, WebSocket::Error error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_error = error != WebSocket::Error::NoError ? error : errorForFailure(failure);
    m_deadline.stop();
    m_step = Step::Done;
    m_record.setFailure(failure, reason);
    if (!detail.isEmpty())
        m_record.setDetail(detail);
    m_record.setDuration(std::chrono::milliseconds(m_elapsed.elapsed()));
    if (failure == Failure::ProxyUnreachable)
        ConnectMemory::markUnreachable(m_hop);
    qCDebug(lcQtwsTransport, "[%p] %s via %s failed: %s (%s)", static_cast<void *>(this),
        qPrintable(strategyName(m_strategy)), qPrintable(m_hop.toPacString()), qPrintable(reason),
        qPrintable(detail));
    release();
    Q_EMIT finished();
}

void Attempt::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_deadline.timerId())
        return QObject::timerEvent(event);
    m_deadline.stop();
    const QString what = stepText();
    // A hop that cannot even be reached in time counts as unreachable, as a refused one does.
    const bool unreachable = !m_hop.isDirect()
        && (m_step == Step::Reaching || m_step == Step::ProxyTls);
    fail(unreachable ? Failure::ProxyUnreachable : Failure::Timeout,
        QStringLiteral("no progress within %1 ms %2").arg(m_timeout.count()).arg(what));
}

void Attempt::release()
{
    if (m_connector) {
        m_connector->disconnect(this);
        m_connector->abort();
        m_connector->deleteLater();
    }
    if (m_tls) {
        m_tls->disconnect(this);
        m_tls->abort();
        m_tls->deleteLater();
    }
    if (m_exchange) {
        m_exchange->disconnect(this);
        m_exchange->abort();
        m_exchange->deleteLater();
    }
    m_socks.reset();
    if (ByteStream *s = m_stream) {
        m_stream = nullptr;
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
}

} // namespace QtWs
