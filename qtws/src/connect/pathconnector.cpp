// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pathconnector.h"

#include "common/logging.h"
#include "connectmemory.h"
#include "protocol/proxyreply.h"
#include "proxyauthsession.h"
#include "socksclient.h"
#include "transport/bytestream.h"
#include "transport/httpexchange.h"
#include "transport/tcpconnector.h"

namespace QtWs {

using namespace Protocol;
using Failure = ConnectAttempt::Failure;

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

namespace {

// RFC 7230 §5.3.3: CONNECT names host and port, always with the port.
QByteArray authority(const QString &host, quint16 port)
{
    QByteArray h = QUrl::toAce(host);
    if (h.isEmpty())
        h = host.toLatin1();
    if (host.contains(u':'))
        h = '[' + host.toLatin1() + ']';
    return h + ':' + QByteArray::number(port);
}

} // namespace

PathConnector::PathConnector(const ProxyCandidate &hop, Mode mode, const Target &target,
    const WebSocketOptions &options, ProxyAuthSession *auth, QObject *parent)
    : QObject(parent)
    , m_hop(hop)
    , m_mode(mode)
    , m_target(target)
    , m_options(options)
    , m_auth(auth)
{ }

PathConnector::~PathConnector()
{
    release();
}

ByteStream *PathConnector::takeStream()
{
    ByteStream *s = m_stream;
    m_stream = nullptr;
    if (s) {
        s->disconnect(this);
        s->setParent(nullptr);
    }
    return s;
}

void PathConnector::ignoreSslErrors(const QList<QSslError> &errors)
{
    for (const QSslError &e : errors) {
        if (!m_ignoredSslErrors.contains(e))
            m_ignoredSslErrors.append(e);
    }
    if (m_tls)
        m_tls->ignoreSslErrors(m_ignoredSslErrors);
}

void PathConnector::setStep(Step step)
{
    m_step = step;
    Q_EMIT progressed();
}

QString PathConnector::hopName() const
{
    const bool direct = m_hop.isDirect();
    const QString host = direct ? m_target.host : m_hop.host();
    const QString shown = host.contains(u':') ? u'[' + host + u']' : host;
    return shown + u':' + QString::number(direct ? m_target.port : m_hop.port());
}

QString PathConnector::stepText() const
{
    switch (m_step) {
    case Step::Reaching:
        return m_hop.isDirect() ? QStringLiteral("connecting to the server %1").arg(hopName())
                                : QStringLiteral("connecting to the proxy %1").arg(hopName());
    case Step::ProxyTls:
        return QStringLiteral("in the TLS handshake with the HTTPS proxy %1").arg(hopName());
    case Step::Socks:
        return QStringLiteral("in the SOCKS handshake with %1").arg(hopName());
    case Step::Connect:
        return QStringLiteral("waiting for the answer of %1 to CONNECT").arg(hopName());
    case Step::ServerTls:
        return QStringLiteral("in the TLS handshake with the server %1").arg(m_target.host);
    case Step::Idle:
    case Step::Done:
        break;
    }
    return QString();
}

void PathConnector::start()
{
    reach();
}

void PathConnector::abort()
{
    if (m_finished)
        return;
    m_finished = true;
    m_step = Step::Done;
    release();
}

// -------------------------------------------------------------------------------------------------
// the hop

void PathConnector::reach()
{
    setStep(Step::Reaching);
    const bool direct = m_hop.isDirect();
    const bool tlsToServer = m_mode == Mode::Tunnel && m_target.tls;
    const bool tlsToProxy = m_hop.type() == ProxyCandidate::Type::Https;
    m_connector = new TcpConnector(this);
    connect(m_connector, &TcpConnector::finished, this, &PathConnector::onReached);
    m_connector->connectToHost(direct ? m_target.host : m_hop.host(),
        direct ? m_target.port : m_hop.port(), tlsToServer || tlsToProxy);
}

void PathConnector::onReached()
{
    TcpConnector *connector = m_connector;
    if (m_finished || !connector)
        return;
    connector->deleteLater();
    if (connector->failure() != ConnectFailure::None) {
        failReach(connector->failure(), connector->errorString());
        return;
    }
    m_stream = connector->takeStream();
    m_stream->setParent(this);
    if (m_hop.type() == ProxyCandidate::Type::Https) {
        setStep(Step::ProxyTls);
        startTls(m_hop.host(), &PathConnector::onProxyTls);
        return;
    }
    afterHop();
}

void PathConnector::startTls(const QString &name, void (PathConnector::*done)())
{
    m_tls = new TlsClient(this);
    connect(m_tls, &TlsClient::sslErrors, this, &PathConnector::sslErrors);
    connect(m_tls, &TlsClient::finished, this, done);
    ByteStream *stream = m_stream;
    m_stream = nullptr; // the TLS client owns it now
    stream->disconnect(this);
    m_tls->start(stream, {m_options.sslConfiguration(), name, m_ignoredSslErrors});
}

void PathConnector::onProxyTls()
{
    TlsClient *tls = m_tls;
    if (m_finished || !tls)
        return;
    tls->deleteLater();
    if (tls->failure() != ConnectFailure::None) {
        fail(Failure::ProxyUnreachable,
            QStringLiteral("TLS with the HTTPS proxy %1 failed").arg(hopName()),
            tls->errorString());
        return;
    }
    m_stream = tls->takeStream();
    m_stream->setParent(this);
    afterHop();
}

void PathConnector::failReach(ConnectFailure failure, const QString &message)
{
    if (m_hop.isDirect()) {
        WebSocket::Error error = WebSocket::Error::NetworkError;
        QString what = QStringLiteral("could not connect to the server %1").arg(hopName());
        if (failure == ConnectFailure::HostNotFound) {
            error = WebSocket::Error::HostNotFound;
            what = QStringLiteral("the server's name %1 did not resolve").arg(m_target.host);
        } else if (failure == ConnectFailure::ConnectionRefused) {
            error = WebSocket::Error::ConnectionRefused;
            what = QStringLiteral("the server %1 refused the connection").arg(hopName());
        } else if (failure == ConnectFailure::Tls) {
            fail(Failure::TlsFailed,
                QStringLiteral("TLS with the server %1 failed").arg(m_target.host), message);
            return;
        }
        fail(Failure::ConnectionFailed, what, message, error);
        return;
    }
    const QString what = failure == ConnectFailure::HostNotFound
        ? QStringLiteral("the proxy's name %1 did not resolve").arg(m_hop.host())
        : QStringLiteral("could not connect to the proxy %1").arg(hopName());
    fail(Failure::ProxyUnreachable, what, message);
}

void PathConnector::afterHop()
{
    if (m_mode == Mode::Forward) {
        succeed(); // requests go to the proxy itself, in absolute form
        return;
    }
    switch (m_hop.type()) {
    case ProxyCandidate::Type::Direct:
        startServerTls();
        return;
    case ProxyCandidate::Type::Socks4:
    case ProxyCandidate::Type::Socks5:
        startSocks();
        return;
    case ProxyCandidate::Type::Http:
    case ProxyCandidate::Type::Https:
        sendConnect();
        return;
    }
}

// -------------------------------------------------------------------------------------------------
// SOCKS

void PathConnector::startSocks()
{
    setStep(Step::Socks);
    m_socks = std::make_unique<SocksClient>();
    connect(m_socks.get(), &SocksClient::finished, this, &PathConnector::onSocks);
    m_socks->start(m_stream, m_hop, m_target.host, m_target.port);
}

void PathConnector::onSocks()
{
    if (m_finished || !m_socks)
        return;
    const std::unique_ptr<SocksClient> socks = std::move(m_socks);
    switch (socks->failure()) {
    case SocksClient::Failure::None:
        m_socksSummary = socks->summary();
        startServerTls();
        return;
    case SocksClient::Failure::Refused:
        fail(Failure::ProxyRefused, socks->errorString());
        return;
    case SocksClient::Failure::Authentication:
        fail(Failure::ProxyAuthentication, socks->errorString());
        return;
    case SocksClient::Failure::CredentialsNeeded:
        if (askForSocksCredentials())
            return;
        fail(Failure::ProxyAuthentication,
            QStringLiteral("the SOCKS5 proxy %1 requires a user name and password and none were "
                           "given (give them in the proxy URL: socks5://user:password@host:port)")
                .arg(hopName()),
            socks->errorString(), WebSocket::Error::ProxyAuthenticationRequired);
        return;
    case SocksClient::Failure::Protocol:
        fail(Failure::ProxyProtocol, socks->errorString());
        return;
    case SocksClient::Failure::HostNotFound:
        fail(Failure::ConnectionFailed, socks->errorString(), QString(),
            WebSocket::Error::HostNotFound);
        return;
    case SocksClient::Failure::Closed:
        fail(Failure::ProxyRefused, socks->errorString());
        return;
    }
}

bool PathConnector::askForSocksCredentials()
{
    // Once per path: the proxy closed the connection after refusing our methods (RFC 1928 §3), so
    // the credentials go on a new one.
    if (m_socksPrompted)
        return false;
    m_socksPrompted = true;
    QAuthenticator authenticator;
    const QPointer<PathConnector> alive(this);
    Q_EMIT proxyAuthenticationRequired(
        QNetworkProxy(QNetworkProxy::Socks5Proxy, m_hop.host(), m_hop.port()), &authenticator);
    if (!alive || m_finished || authenticator.user().isEmpty())
        return false;
    m_hop.setCredentials(authenticator.user(), authenticator.password());
    discardStream(m_stream, this);
    reach();
    return true;
}

// -------------------------------------------------------------------------------------------------
// CONNECT

void PathConnector::sendConnect()
{
    setStep(Step::Connect);
    HttpRequestHead head;
    head.method = "CONNECT";
    head.target = authority(m_target.host, m_target.port); // RFC 7230 §5.3.3 authority-form
    head.headers.append("Host", head.target);
    if (m_auth) {
        const QByteArray authorization = m_auth->authorizationFor(head.method, head.target);
        if (!authorization.isEmpty())
            head.headers.append("Proxy-Authorization", authorization);
    }
    delete m_exchange;
    m_exchange = new HttpExchange(this);
    connect(m_exchange, &HttpExchange::finished, this, &PathConnector::onConnectAnswer);
    m_exchange->start(m_stream, head);
}

void PathConnector::onConnectAnswer()
{
    HttpExchange *exchange = m_exchange;
    if (m_finished || !exchange)
        return;
    if (!exchange->hasResponseHead()) {
        const bool malformed = exchange->error() == HttpExchange::Error::MalformedResponse
            || exchange->error() == HttpExchange::Error::ResponseTooLarge;
        fail(malformed ? Failure::ProxyProtocol : Failure::ProxyRefused,
            malformed
                ? QStringLiteral("the answer of %1 to CONNECT is not valid HTTP").arg(hopName())
                : QStringLiteral("%1 closed the connection without answering CONNECT")
                      .arg(hopName()),
            exchange->errorString());
        return;
    }
    const HttpResponseHead &response = exchange->response();
    m_response = response;
    if (response.statusCode == 407 && m_auth) {
        const HttpRequestHead sent = exchange->request();
        const ProxyAuthSession::Decision d = m_auth->handle407(response, sent.method, sent.target);
        if (m_finished)
            return;
        if (!d.retry) {
            fail(Failure::ProxyAuthentication, d.reason, d.detail, d.error);
            return;
        }
        m_detail = d.detail;
        if (exchange->isReusable()) {
            sendConnect();
            return;
        }
        // The proxy closed the connection with its 407: the answer goes on a new connection.
        m_auth->connectionReset();
        discardStream(m_stream, this);
        reach();
        return;
    }
    if (!isConnectTunnel(response) || !exchange->isValid()) {
        const ProxyReply reply = classifyProxyReply(
            ProxyRequestKind::Connect, response, authority(m_target.host, m_target.port));
        fail(reply.outcome == ProxyReplyOutcome::OriginAuthentication ? Failure::ProxyAuthentication
                                                                      : Failure::ProxyRefused,
            reply.reason, exchange->errorString());
        return;
    }
    if (!exchange->leftover().isEmpty()) {
        // Nothing may come through a new tunnel before we speak: neither a TLS server nor an HTTP
        // server talks first. Bytes here are the proxy's (a body, an error page): no tunnel.
        fail(Failure::ProxyProtocol,
            QStringLiteral("%1 sent %2 bytes after its %3 to CONNECT before the tunnel carried "
                           "anything: not a working tunnel")
                .arg(hopName())
                .arg(exchange->leftover().size())
                .arg(response.statusCode));
        return;
    }
    if (m_auth)
        m_auth->accepted();
    startServerTls();
}

// -------------------------------------------------------------------------------------------------
// TLS to the server, and the end

void PathConnector::startServerTls()
{
    if (!m_target.tls) {
        succeed();
        return;
    }
    setStep(Step::ServerTls);
    // RFC 6455 §4.1 item 5: SNI and the certificate's name are the server's, never the proxy's.
    startTls(m_target.host, &PathConnector::onServerTls);
}

void PathConnector::onServerTls()
{
    TlsClient *tls = m_tls;
    if (m_finished || !tls)
        return;
    tls->deleteLater();
    if (tls->failure() != ConnectFailure::None) {
        fail(Failure::TlsFailed, QStringLiteral("TLS with the server %1 failed").arg(m_target.host),
            tls->errorString());
        return;
    }
    m_stream = tls->takeStream();
    m_stream->setParent(this);
    succeed();
}

void PathConnector::succeed()
{
    if (m_finished)
        return;
    m_finished = true;
    m_step = Step::Done;
    if (!m_hop.isDirect())
        ConnectMemory::markReachable(m_hop);
    Q_EMIT finished();
}

void PathConnector::fail(
    Failure failure, const QString &reason, const QString &detail, WebSocket::Error error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_step = Step::Done;
    m_failure = failure;
    m_error = error != WebSocket::Error::NoError ? error : errorForFailure(failure);
    m_reason = reason;
    if (!detail.isEmpty())
        m_detail = detail;
    if (failure == Failure::ProxyUnreachable)
        ConnectMemory::markUnreachable(m_hop);
    qCDebug(lcQtwsTransport, "[%p] path via %s failed: %s (%s)", static_cast<void *>(this),
        qPrintable(m_hop.toPacString()), qPrintable(reason), qPrintable(detail));
    release();
    Q_EMIT finished();
}

void PathConnector::release()
{
    // Each helper object may be inside one of its own signals: disconnected and deleted later.
    const auto drop = [this](auto &pointer) {
        if (QObject *object = pointer.data()) {
            pointer = nullptr;
            object->disconnect(this);
            object->deleteLater();
        }
    };
    drop(m_connector);
    drop(m_tls);
    drop(m_exchange);
    m_socks.reset();
    if (!isValid())
        discardStream(m_stream, this);
}

} // namespace QtWs
