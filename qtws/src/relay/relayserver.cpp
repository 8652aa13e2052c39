// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/global.h>
#include <qtws/relayserver.h>

#include "common/logging.h"
#include "engineiosession.h"
#include "engineiotransport.h"
#include "httpconnection.h"
#include "protocol/handshake.h"
#include "websocketsession.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QRandomGenerator>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>

namespace QtWs {

using namespace QtWs::Protocol;
using Protocol::CloseCode;
using Relay::EngineIoSession;
using Relay::HttpConnection;
using Relay::Request;
using Relay::Session;

namespace {

/*! Bytes of randomness in a session id: 144 bits, 24 base64url characters. */
constexpr int SessionIdBytes = 18;

QString randomSessionId()
{
    quint32 words[(SessionIdBytes + 3) / 4];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray raw(reinterpret_cast<const char *>(words), SessionIdBytes);
    return QString::fromLatin1(
        raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

// Compares without an early exit so that the time taken does not reveal how much of a guessed token
// matched.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// The error engine.io answers a refused polling request with.
void respondEngineIoError(HttpConnection *connection, int code, const char *message)
{
    HttpHeaders json;
    json.set("Content-Type", "application/json");
    const QByteArray body = QByteArrayLiteral("{\"code\":") + QByteArray::number(code)
        + QByteArrayLiteral(",\"message\":\"") + message + QByteArrayLiteral("\"}");
    connection->respond(400, "Bad Request", json, body, true);
}

// Accepts TLS on the listening port without QSslServer (Qt 6.4 has none): the descriptor goes into
// a QSslSocket.
class TcpServer : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;
    QSslConfiguration tls; // null: plain TCP
protected:
    void incomingConnection(qintptr descriptor) override
    {
        if (tls.isNull() || tls.localCertificate().isNull()) {
            QTcpServer::incomingConnection(descriptor);
            return;
        }
        auto *socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->setSslConfiguration(tls);
        socket->startServerEncryption();
        addPendingConnection(socket);
    }
};

} // namespace

class RelayServerPrivate
{
    Q_DECLARE_PUBLIC(RelayServer)
public:
    explicit RelayServerPrivate(RelayServer *q)
        : q_ptr(q)
    { }

    void onNewConnection();
    void onRequest(HttpConnection *connection, const Request &request);
    void handleUpgrade(HttpConnection *connection, const Request &request, bool engineIo);
    void handleEngineIoUpgrade(
        HttpConnection *connection, const Request &request, const ServerHandshake &handshake);
    void handleEngineIo(HttpConnection *connection, const Request &request);
    void answerPreflight(HttpConnection *connection, const Request &request);
    bool hasSessionRoom(HttpConnection *connection);
    QString newSessionId() const;
    void startWebSocketSession(HttpConnection *connection, const ServerHandshake &handshake);
    void startEngineIoSession(HttpConnection *connection, const Request &request,
        RelayServer::Transport transport, const std::optional<ServerHandshake> &upgrade);
    void startSession(Session *session, HttpConnection *connection,
        const std::optional<ServerHandshake> &upgrade);
    EngineIoSession *engineIoSession(const QString &sid);
    bool checkAccess(HttpConnection *connection, const Request &request);
    bool originAllowed(const QByteArray &origin, const QByteArray &host) const;
    void statusPage(HttpConnection *connection, const Request &request);
    bool underPrefix(const QString &path) const;
    QString engineIoPath() const;

    RelayServer *const q_ptr;
    RelayServerOptions options;
    TcpServer *server = nullptr;
    QHash<QString, Session *> sessions;
    QElapsedTimer uptime;
    quint64 totalSessions = 0;
    quint64 requests = 0;
    quint64 unknownSid = 0;
    RelayServer::Error error = RelayServer::Error::NoError;
    QString errorString;
};

RelayServer::RelayServer(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<RelayServerPrivate>(this))
{ }

RelayServer::~RelayServer()
{
    Q_D(RelayServer);
    close();
    // Delete sessions and connections while the private part they report to still exists.
    const auto all = d->sessions.values();
    d->sessions.clear();
    for (Session *s : all) {
        disconnect(s, nullptr, this, nullptr);
        delete s;
    }
    const auto connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *c : connections) {
        disconnect(c, nullptr, this, nullptr);
        delete c;
    }
    delete d->server;
    d->server = nullptr;
}

RelayServerOptions RelayServer::options() const
{
    Q_D(const RelayServer);
    return d->options;
}

void RelayServer::setOptions(const RelayServerOptions &options)
{
    Q_D(RelayServer);
    d->options = options;
    if (d->server)
        d->server->tls = options.isTlsEnabled() ? options.sslConfiguration() : QSslConfiguration();
}

bool RelayServer::listen(const QHostAddress &address, quint16 port)
{
    Q_D(RelayServer);
    const QString problem = d->options.validate();
    if (!problem.isEmpty()) {
        d->error = Error::InvalidOptions;
        d->errorString = problem;
        Q_EMIT errorOccurred(d->error);
        return false;
    }
    if (!d->server) {
        d->server = new TcpServer(this);
        connect(d->server, &QTcpServer::pendingConnectionAvailable, this,
            [d] { d->onNewConnection(); });
    }
    d->server->tls
        = d->options.isTlsEnabled() ? d->options.sslConfiguration() : QSslConfiguration();
    if (!d->server->listen(address, port)) {
        d->error = Error::ListenFailed;
        d->errorString = d->server->errorString();
        Q_EMIT errorOccurred(d->error);
        return false;
    }
    d->uptime.start();
    d->error = Error::NoError;
    d->errorString.clear();
    return true;
}

void RelayServer::close()
{
    Q_D(RelayServer);
    if (d->server)
        d->server->close();
    const auto all = d->sessions.values();
    for (Session *s : all)
        s->close(quint16(CloseCode::GoingAway), QStringLiteral("relay shutting down"));
}

bool RelayServer::isListening() const
{
    Q_D(const RelayServer);
    return d->server && d->server->isListening();
}

QHostAddress RelayServer::serverAddress() const
{
    Q_D(const RelayServer);
    return d->server ? d->server->serverAddress() : QHostAddress();
}

quint16 RelayServer::serverPort() const
{
    Q_D(const RelayServer);
    return d->server ? d->server->serverPort() : 0;
}

RelayServer::Error RelayServer::error() const
{
    Q_D(const RelayServer);
    return d->error;
}

QString RelayServer::errorString() const
{
    Q_D(const RelayServer);
    return d->errorString;
}

qsizetype RelayServer::sessionCount() const
{
    Q_D(const RelayServer);
    return d->sessions.size();
}

quint64 RelayServer::totalSessions() const
{
    Q_D(const RelayServer);
    return d->totalSessions;
}

void RelayServerPrivate::onNewConnection()
{
    Q_Q(RelayServer);
    while (QTcpSocket *socket = server->nextPendingConnection()) {
        // Relayed messages are small and interactive; do not let Nagle hold them back (the
        // backend sockets and the client's own sockets are set the same way).
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        const HttpConnection::Limits limits {
            options.maxRequestHeadBytes(), options.maxPayload(), options.requestTimeout()};
        auto *connection = new HttpConnection(socket, limits, q);
        QObject::connect(connection, &HttpConnection::requestReceived, q,
            [this](HttpConnection *c, const Request &r) { onRequest(c, r); });
    }
}

QString RelayServerPrivate::engineIoPath() const
{
    const QString prefix = options.pathPrefix();
    return (prefix == QLatin1String("/") ? QString() : prefix) + QStringLiteral("/engine.io/");
}

bool RelayServerPrivate::underPrefix(const QString &path) const
{
    const QString prefix = options.pathPrefix();
    return prefix == QLatin1String("/") || path == prefix
        || path.startsWith(prefix + QLatin1Char('/'));
}

void RelayServerPrivate::onRequest(HttpConnection *connection, const Request &request)
{
    ++requests;
    const QString eio = engineIoPath();
    const bool engineIo = request.path == eio || request.path == eio.chopped(1);
    if (request.upgrade) {
        handleUpgrade(connection, request, engineIo);
        return;
    }
    if (engineIo) {
        handleEngineIo(connection, request);
        return;
    }
    if (request.head.method == "GET" || request.head.method == "HEAD") {
        statusPage(connection, request);
        return;
    }
    connection->respondError(405, "Method Not Allowed",
        QStringLiteral("%1 is not served here").arg(QString::fromLatin1(request.head.method)));
}

bool RelayServerPrivate::originAllowed(const QByteArray &origin, const QByteArray &host) const
{
    // Cross-site WebSocket hijacking: a browser attaches the page's Origin; only listed origins
    // (or, by default, the site the relay is part of) may open sessions. Non-browser clients send
    // no Origin.
    if (origin.isEmpty())
        return true;
    const QStringList allowed = options.allowedOrigins();
    if (allowed.contains(QStringLiteral("*")))
        return true;
    const QString o = QString::fromUtf8(origin).toLower();
    if (allowed.isEmpty()) {
        // Same origin: the Origin's host and port (its scheme's default left out) are the Host
        // the request was sent to.
        const QUrl url(o);
        return !host.isEmpty() && !url.host().isEmpty()
            && hostHeaderValue(url).compare(host, Qt::CaseInsensitive) == 0;
    }
    for (const QString &a : allowed) {
        QString candidate = a.toLower();
        while (candidate.endsWith(QLatin1Char('/')))
            candidate.chop(1);
        if (candidate == o)
            return true;
    }
    return false;
}

bool RelayServerPrivate::checkAccess(HttpConnection *connection, const Request &request)
{
    const HttpHeaders &h = request.head.headers;
    if (h.count("Origin") > 1 || !originAllowed(h.value("Origin"), h.value("Host"))) {
        qCInfo(lcQtwsRelay, "refused origin \"%s\"", h.value("Origin").left(200).constData());
        connection->respondError(403, "Forbidden",
            QStringLiteral("origin %1 is not allowed").arg(quoteForMessage(h.value("Origin"))));
        return false;
    }
    const QByteArray token = options.token().toUtf8();
    if (token.isEmpty())
        return true;
    const QByteArray auth = h.value("Authorization");
    bool valid = false;
    if (auth.size() > 7 && auth.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        valid = constantTimeEquals(auth.mid(7).trimmed(), token);
    if (!valid && request.query.hasQueryItem(QStringLiteral("token")))
        valid = constantTimeEquals(
            request.query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8(),
            token);
    if (!valid)
        connection->respondError(401, "Unauthorized", QStringLiteral("a valid token is required"),
            {{"WWW-Authenticate", "Bearer"}});
    return valid;
}

void RelayServerPrivate::handleUpgrade(
    HttpConnection *connection, const Request &request, bool engineIo)
{
    if (!engineIo && !underPrefix(request.path) && request.path != QLatin1String("*")) {
        connection->respondError(
            404, "Not Found", QStringLiteral("no WebSocket endpoint at %1").arg(request.path));
        return;
    }
    // Validated here, once: the session answers with this handshake when its backend accepted.
    ServerHandshakeOptions hsOptions;
    hsOptions.allowOptionsMethod = true; // RFC 2817 §3.2 style, what some proxies let through
    hsOptions.allowAbsoluteForm = true; // RFC 7230 §5.3.2: what a proxy forwarding it sends
    hsOptions.allowBareUpgrade = options.acceptsBareUpgrade(); // qtws's extension (issue 14)
    const ServerHandshake hs = validateHandshakeRequest(request.head, hsOptions);
    if (!hs.isValid()) {
        QByteArray body;
        HttpResponseHead rejection = buildHandshakeRejection(hs, &body);
        connection->respond(
            rejection.statusCode, rejection.reasonPhrase, rejection.headers, body, true);
        return;
    }
    if (!checkAccess(connection, request))
        return;
    if (engineIo)
        handleEngineIoUpgrade(connection, request, hs);
    else
        startWebSocketSession(connection, hs);
}

void RelayServerPrivate::handleEngineIoUpgrade(
    HttpConnection *connection, const Request &request, const ServerHandshake &handshake)
{
    if (request.query.queryItemValue(QStringLiteral("EIO")) != QLatin1String("4")
        || request.query.queryItemValue(QStringLiteral("transport"))
            != QLatin1String("websocket")) {
        connection->respondError(
            400, "Bad Request", QStringLiteral("expected EIO=4&transport=websocket"));
        return;
    }
    const QString sid = request.query.queryItemValue(QStringLiteral("sid"));
    if (sid.isEmpty()) {
        startEngineIoSession(
            connection, request, RelayServer::Transport::EngineIoWebSocket, handshake);
        return;
    }
    if (EngineIoSession *session = engineIoSession(sid))
        session->handleUpgrade(connection, handshake);
    else
        connection->respondError(400, "Bad Request", QStringLiteral("Session ID unknown"));
}

void RelayServerPrivate::handleEngineIo(HttpConnection *connection, const Request &request)
{
    const QByteArray method = request.head.method;
    if (method == "OPTIONS") {
        answerPreflight(connection, request);
        return;
    }
    if (method != "GET" && method != "POST") {
        respondEngineIoError(connection, 2, "Bad handshake method");
        return;
    }
    if (request.query.queryItemValue(QStringLiteral("EIO")) != QLatin1String("4")) {
        respondEngineIoError(connection, 5, "Unsupported protocol version");
        return;
    }
    if (request.query.queryItemValue(QStringLiteral("transport")) != QLatin1String("polling")) {
        respondEngineIoError(connection, 0, "Transport unknown");
        return;
    }
    if (!checkAccess(connection, request))
        return;
    const QString sid = request.query.queryItemValue(QStringLiteral("sid"));
    if (sid.isEmpty()) {
        if (method != "GET") {
            respondEngineIoError(connection, 2, "Bad handshake method");
            return;
        }
        startEngineIoSession(
            connection, request, RelayServer::Transport::EngineIoPolling, std::nullopt);
        return;
    }
    if (EngineIoSession *session = engineIoSession(sid))
        session->handlePolling(connection, request);
    else
        respondEngineIoError(connection, 1, "Session ID unknown");
}

void RelayServerPrivate::answerPreflight(HttpConnection *connection, const Request &request)
{
    // The CORS preflight of a cross-origin poll.
    const QByteArray origin = request.head.headers.value("Origin");
    if (!originAllowed(origin, request.head.headers.value("Host"))) {
        connection->respondError(403, "Forbidden", QStringLiteral("origin not allowed"));
        return;
    }
    HttpHeaders h;
    Relay::addCorsHeaders(&h, origin, Relay::CorsRequest::Preflight);
    connection->respond(204, "No Content", h, QByteArray());
}

EngineIoSession *RelayServerPrivate::engineIoSession(const QString &sid)
{
    auto *session = qobject_cast<EngineIoSession *>(sessions.value(sid));
    if (!session)
        ++unknownSid;
    return session;
}

bool RelayServerPrivate::hasSessionRoom(HttpConnection *connection)
{
    if (sessions.size() < options.maxSessions())
        return true;
    qCWarning(lcQtwsRelay, "session cap of %lld reached: refusing a new session",
        qint64(options.maxSessions()));
    connection->respondError(
        503, "Service Unavailable", QStringLiteral("too many sessions"), {{"Retry-After", "5"}});
    return false;
}

QString RelayServerPrivate::newSessionId() const
{
    QString id = randomSessionId();
    while (sessions.contains(id)) // 144 random bits: never in practice, but cheap to rule out
        id = randomSessionId();
    return id;
}

void RelayServerPrivate::startWebSocketSession(
    HttpConnection *connection, const ServerHandshake &handshake)
{
    Q_Q(RelayServer);
    if (hasSessionRoom(connection))
        startSession(
            new Relay::WebSocketSession(newSessionId(), options, q), connection, handshake);
}

void RelayServerPrivate::startEngineIoSession(HttpConnection *connection, const Request &request,
    RelayServer::Transport transport, const std::optional<ServerHandshake> &upgrade)
{
    Q_Q(RelayServer);
    if (!hasSessionRoom(connection))
        return;
    const QByteArray origin = request.head.headers.value("Origin");
    startSession(
        new EngineIoSession(newSessionId(), transport, origin, options, q), connection, upgrade);
}

void RelayServerPrivate::startSession(
    Session *session, HttpConnection *connection, const std::optional<ServerHandshake> &upgrade)
{
    Q_Q(RelayServer);
    sessions.insert(session->id(), session);
    ++totalSessions;
    QObject::connect(session, &Session::connected, q, &RelayServer::sessionConnected);
    QObject::connect(session, &Session::disconnected, q,
        [this, q, session](const QString &sid, quint16 code, const QString &reason) {
            sessions.remove(sid);
            session->deleteLater();
            Q_EMIT q->sessionDisconnected(sid, code, reason);
        });
    session->start(connection, upgrade);
}

void RelayServerPrivate::statusPage(HttpConnection *connection, const Request &request)
{
    QByteArray body = QByteArrayLiteral("qtws-relay ") + QtWs::version() + '\n';
    if (!options.instanceName().isEmpty())
        body += "instance: " + options.instanceName().toUtf8() + '\n';
    body += "sessions: " + QByteArray::number(sessions.size()) + '\n';
    body += "sessions total: " + QByteArray::number(totalSessions) + '\n';
    body += "requests: " + QByteArray::number(requests) + '\n';
    body += "unknown sid: " + QByteArray::number(unknownSid) + '\n';
    body
        += "uptime: " + QByteArray::number(uptime.isValid() ? uptime.elapsed() / 1000 : 0) + " s\n";
    HttpHeaders h;
    h.set("Content-Type", "text/plain; charset=utf-8");
    h.set("Cache-Control", "no-store");
    if (request.head.method == "HEAD") {
        h.set("Content-Length", QByteArray::number(body.size()));
        body.clear();
    }
    connection->respond(200, "OK", h, body);
}

} // namespace QtWs
