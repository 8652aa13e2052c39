// SPDX-License-Identifier: LGPL-3.0-or-later
#include "scriptedproxy.h"

#include "protocol/handshake.h"
#include "protocol/url.h"

#include <QtCore/QTimer>
#include <QtCore/QtEndian>
#include <QtNetwork/QTcpSocket>

namespace QtWs::Test {

namespace {

using Behaviour = ScriptedProxy::Behaviour;
using QtWs::Protocol::HttpHeadParser;
using QtWs::Protocol::HttpRequestHead;

constexpr std::chrono::milliseconds OneSecond {1000};
constexpr qsizetype MaxSocksMessage = 600; // the longest RFC 1928/1929 message is 513 bytes

const QByteArray ConnectEstablished = "HTTP/1.1 200 Connection established\r\n\r\n";

// A response with an HTML body, as proxies send their error pages.
QByteArray htmlResponse(
    int status, const QByteArray &reason, const QByteArray &extraHeaders, bool close)
{
    const QByteArray body = "<html><head><title>" + QByteArray::number(status) + ' ' + reason
        + "</title></head><body><h1>" + reason + "</h1><p>qtws scripted proxy</p></body></html>\n";
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
        + "\r\nServer: qtws-scripted\r\nContent-Type: text/html\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n" + extraHeaders
        + (close ? "Connection: close\r\n" : "") + "\r\n" + body;
}

QByteArray challenge(const QByteArray &proxyAuthenticate)
{
    return htmlResponse(407, "Proxy Authentication Required",
        "Proxy-Authenticate: " + proxyAuthenticate + "\r\n", false);
}

QByteArray socksReply(quint8 code)
{
    // VER REP RSV ATYP=IPv4 BND.ADDR=0.0.0.0 BND.PORT=0 (RFC 1928 §6)
    return QByteArray("\x05", 1) + char(code) + QByteArray("\x00\x01\x00\x00\x00\x00\x00\x00", 8);
}

// "host:port" or "[v6]:port" (authority-form, RFC 7230 §5.3.3).
bool splitAuthority(const QByteArray &authority, int defaultPort, QString *host, quint16 *port)
{
    const qsizetype colon = authority.lastIndexOf(':');
    const bool hasPort = colon > 0 && !authority.mid(colon).contains(']');
    QByteArray h = hasPort ? authority.left(colon) : authority;
    if (h.startsWith('[') && h.endsWith(']'))
        h = h.mid(1, h.size() - 2);
    bool ok = true;
    *port = hasPort ? authority.mid(colon + 1).toUShort(&ok) : quint16(defaultPort);
    *host = QString::fromUtf8(h);
    return ok && !h.isEmpty() && *port != 0;
}

/*
    One accepted connection: reads request heads (or SOCKS5 messages), answers them as the
    behaviour says, or tunnels to an upstream socket. Everything sent to the client goes through
    send(), where the byte interval and the drop-after limit apply.
*/
class ProxyConnection : public QObject
{
public:
    ProxyConnection(ScriptedProxy *owner, QTcpSocket *client, int index);

private:
    enum class State { Head, Body, Tunnel, Echo, Silent, SocksGreeting, SocksAuth, SocksRequest };
    enum class After { KeepReading, Close, Silence };

    void onClientData();
    void readHeads();
    void dispatch(const HttpRequestHead &head);
    void dispatchMisbehaviour(const HttpRequestHead &head);
    void forward(HttpRequestHead head, bool stripUpgrade);
    void serveAsOrigin(const HttpRequestHead &head);
    void tunnelTo(const QString &host, quint16 port, const QByteArray &toClient,
        const QByteArray &toUpstream, const QByteArray &onFailure);
    bool readSocks();
    bool readSocksRequest();
    void answer(const QByteArray &bytes, After after);
    void send(const QByteArray &bytes);
    void writeNow(QByteArray bytes);
    void onThrottleTick();
    void finish();

    ScriptedProxy *m_owner;
    QTcpSocket *m_client;
    QTcpSocket *m_upstream = nullptr;
    int m_index;
    State m_state = State::Head;
    HttpHeadParser m_parser {HttpHeadParser::Mode::Request};
    QByteArray m_buffer;
    QByteArray m_rawHead;
    qint64 m_bodyLeft = 0;
    QByteArray m_socksUser;
    qint64 m_sent = 0;
    QByteArray m_queue;
    QTimer m_throttle;
    bool m_closing = false;
};

ProxyConnection::ProxyConnection(ScriptedProxy *owner, QTcpSocket *client, int index)
    : QObject(owner)
    , m_owner(owner)
    , m_client(client)
    , m_index(index)
{
    client->setParent(this);
    if (owner->behaviour() == Behaviour::Socks5)
        m_state = State::SocksGreeting;
    m_throttle.setInterval(owner->byteInterval());
    connect(&m_throttle, &QTimer::timeout, this, &ProxyConnection::onThrottleTick);
    connect(client, &QTcpSocket::readyRead, this, &ProxyConnection::onClientData);
    connect(client, &QTcpSocket::disconnected, this, [this] {
        if (m_upstream)
            m_upstream->disconnectFromHost();
        deleteLater();
    });
}

void ProxyConnection::onClientData()
{
    m_buffer += m_client->readAll();
    switch (m_state) {
    case State::Tunnel:
        if (m_upstream && m_upstream->state() == QAbstractSocket::ConnectedState)
            m_upstream->write(std::exchange(m_buffer, {}));
        return;
    case State::Echo:
        send(std::exchange(m_buffer, {}));
        return;
    case State::Silent:
        m_buffer.clear();
        return;
    case State::SocksGreeting:
    case State::SocksAuth:
    case State::SocksRequest:
        while (readSocks()) { }
        return;
    case State::Head:
    case State::Body:
        readHeads();
        return;
    }
}

void ProxyConnection::readHeads()
{
    while (!m_buffer.isEmpty() && (m_state == State::Head || m_state == State::Body)) {
        if (m_state == State::Body) { // a request body the origin does not look at
            const qsizetype n = qMin<qint64>(m_bodyLeft, m_buffer.size());
            m_buffer.remove(0, n);
            if ((m_bodyLeft -= n) == 0)
                m_state = State::Head;
            continue;
        }
        const HttpHeadParser::Result r = m_parser.feed(m_buffer);
        m_rawHead += m_buffer.left(r.consumed);
        m_buffer.remove(0, r.consumed);
        if (r.status == HttpHeadParser::Status::NeedMore)
            return;
        if (r.status == HttpHeadParser::Status::Error) {
            answer(htmlResponse(400, "Bad Request", {}, true), After::Close);
            return;
        }
        HttpRequestHead head = m_parser.takeRequest();
        m_parser.reset();
        RecordedRequest recorded {
            m_index, head.method, head.target, head.headers, std::exchange(m_rawHead, {}), {}};
        m_owner->record(recorded);
        m_bodyLeft = head.headers.value("Content-Length").toLongLong();
        if (m_bodyLeft > 0)
            m_state = State::Body;
        dispatch(head);
    }
}

void ProxyConnection::dispatch(const HttpRequestHead &head)
{
    const Behaviour b = m_owner->behaviour();
    const bool forwarding = b == Behaviour::Forward || b == Behaviour::ForwardStrippingUpgrade
        || b == Behaviour::OneBytePerSecond || b == Behaviour::RejectConnectionUpgrade
        || b == Behaviour::SwallowConnect;
    const QByteArray expected = m_owner->expectedProxyAuthorization();
    if (forwarding && !expected.isEmpty()
        && head.headers.value("Proxy-Authorization") != expected) {
        answer(challenge("Basic realm=\"scripted\""), After::KeepReading);
        return;
    }
    if (b == Behaviour::RejectConnectionUpgrade
        && head.headers.containsToken("Connection", "upgrade")) {
        answer(htmlResponse(400, "Bad Request", {}, true), After::Close);
        return;
    }
    if (b == Behaviour::UpgradeThenSilence && head.method == "CONNECT") {
        forward(head, false);
        return;
    }
    if (b == Behaviour::SwallowConnect && head.method == "CONNECT") {
        answer(QByteArray(), After::Silence); // a black hole for CONNECT only
        return;
    }
    if (forwarding) {
        forward(head, b == Behaviour::ForwardStrippingUpgrade);
        return;
    }
    if (b == Behaviour::Origin) {
        serveAsOrigin(head);
        return;
    }
    dispatchMisbehaviour(head);
}

void ProxyConnection::dispatchMisbehaviour(const HttpRequestHead &head)
{
    const bool isConnect = head.method == "CONNECT";
    switch (m_owner->behaviour()) {
    case Behaviour::ConnectThenSilence:
        answer(isConnect ? ConnectEstablished : QByteArray(), After::Silence);
        return;
    case Behaviour::ConnectWithBody:
        answer(htmlResponse(200, "OK", {}, false), After::Silence);
        return;
    case Behaviour::GarbageStatusLine:
        answer("HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n", After::Close);
        return;
    case Behaviour::Http09Reply:
        answer("<html><body><h1>It works!</h1></body></html>\n", After::Close);
        return;
    case Behaviour::AuthenticationLoop:
        answer(challenge("Basic realm=\"scripted\""), After::KeepReading);
        return;
    case Behaviour::DigestWithoutNonce:
        answer(challenge("Digest realm=\"scripted\", qop=\"auth\", algorithm=MD5"),
            After::KeepReading);
        return;
    case Behaviour::UnknownAuthScheme:
        answer(challenge("Frobnicate realm=\"scripted\""), After::KeepReading);
        return;
    case Behaviour::NegotiateOnly:
        answer(challenge("Negotiate"), After::KeepReading);
        return;
    case Behaviour::BadGateway:
        answer(htmlResponse(502, "Bad Gateway", {}, true), After::Close);
        return;
    case Behaviour::ServiceUnavailable:
        answer(htmlResponse(503, "Service Unavailable", "Retry-After: 30\r\n", true), After::Close);
        return;
    case Behaviour::GatewayTimeout:
        answer(htmlResponse(504, "Gateway Timeout", {}, true), After::Close);
        return;
    case Behaviour::WrongAcceptKey:
        if (isConnect)
            answer(ConnectEstablished, After::KeepReading);
        else
            answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                   "Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
                After::Silence);
        return;
    case Behaviour::HtmlErrorPage:
        answer(htmlResponse(200, "OK", {}, true), After::Close);
        return;
    case Behaviour::ConnectThenGarbage:
        answer(isConnect ? ConnectEstablished + QByteArray("\x00\xff\x17garbage\x03\x01", 12)
                         : htmlResponse(400, "Bad Request", {}, true),
            After::Close);
        return;
    case Behaviour::UpgradeThenSilence: {
        const QByteArray key = head.headers.value("Sec-WebSocket-Key");
        answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
               "Upgrade\r\nSec-WebSocket-Accept: "
                + QtWs::Protocol::computeAcceptKey(key) + "\r\n\r\n",
            After::Silence);
        return;
    }
    case Behaviour::HugeReplyHead:
        answer("HTTP/1.1 200 OK\r\nX-Pad: " + QByteArray(1024 * 1024, 'p') + "\r\n\r\n",
            After::Close);
        return;
    case Behaviour::ManyReplyHeaders:
        answer("HTTP/1.1 200 OK\r\n" + QByteArray("X-Many: h\r\n").repeated(10000) + "\r\n",
            After::Close);
        return;
    case Behaviour::Http10Reply:
        answer("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>HTTP/1.0 "
               "proxy</body></html>\n",
            After::Close);
        return;
    case Behaviour::NotImplemented:
        answer(htmlResponse(501, "Not Implemented", "X-Squid-Error: ERR_UNSUP_REQ 0\r\n", true),
            After::Close);
        return;
    case Behaviour::Forbidden:
        answer(htmlResponse(403, "Forbidden", "X-Squid-Error: ERR_ACCESS_DENIED 0\r\n", true),
            After::Close);
        return;
    case Behaviour::Unauthorized:
        answer(htmlResponse(401, "Unauthorized", "WWW-Authenticate: Basic realm=\"origin\"\r\n",
                   false),
            After::KeepReading);
        return;
    default: // NeverAnswer; the others never get here
        m_state = State::Silent;
        m_buffer.clear();
        return;
    }
}

void ProxyConnection::forward(HttpRequestHead head, bool stripUpgrade)
{
    QString host;
    quint16 port = 0;
    const QByteArray failure = htmlResponse(502, "Bad Gateway", {}, true);
    if (head.method == "CONNECT") {
        if (!splitAuthority(head.target, 443, &host, &port))
            return answer(htmlResponse(400, "Bad Request", {}, true), After::Close);
        return tunnelTo(host, port, ConnectEstablished, std::exchange(m_buffer, {}), failure);
    }
    if (head.target.startsWith('/') || head.target == "*") { // origin-form: the Host header
        if (!splitAuthority(head.headers.value("Host"), 80, &host, &port))
            return answer(htmlResponse(400, "Bad Request", {}, true), After::Close);
    } else { // absolute-form (RFC 7230 §5.3.2): the proxy sends the origin-form on
        const QUrl url(QString::fromUtf8(head.target));
        host = url.host();
        const int p = url.port(QtWs::Protocol::defaultPort(url.scheme()));
        port = quint16(p > 0 ? p : 80);
        QByteArray path = url.path(QUrl::FullyEncoded).toUtf8();
        if (url.hasQuery())
            path += '?' + url.query(QUrl::FullyEncoded).toUtf8();
        // "OPTIONS http://host:port" is forwarded as "OPTIONS *" (RFC 7230 §5.3.4).
        head.target = !path.isEmpty() ? path : head.method == "OPTIONS" ? "*" : "/";
    }
    head.headers.remove("Proxy-Authorization");
    head.headers.remove("Proxy-Connection");
    if (stripUpgrade) {
        head.headers.remove("Upgrade");
        head.headers.remove("Connection");
    }
    tunnelTo(host, port, {}, head.toByteArray() + std::exchange(m_buffer, {}), failure);
}

void ProxyConnection::serveAsOrigin(const HttpRequestHead &head)
{
    const QByteArray key = head.headers.value("Sec-WebSocket-Key");
    if (head.headers.containsToken("Upgrade", "websocket") && !key.isEmpty()) {
        // RFC 6455 §4.2.2; afterwards every byte is echoed (frames come back unchanged).
        send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: "
            + QtWs::Protocol::computeAcceptKey(key) + "\r\n\r\n");
        m_state = State::Echo;
        send(std::exchange(m_buffer, {}));
        return;
    }
    send("HTTP/1.1 200 OK\r\nServer: qtws-scripted-origin\r\nContent-Type: text/plain\r\n"
         "Content-Length: 2\r\n\r\nok");
}

void ProxyConnection::tunnelTo(const QString &host, quint16 port, const QByteArray &toClient,
    const QByteArray &toUpstream, const QByteArray &onFailure)
{
    const QHostAddress address = m_owner->resolve(host);
    if (address.isNull()) { // not a loopback name or address: tests stay on loopback
        answer(onFailure, After::Close);
        return;
    }
    m_state = State::Silent; // until the upstream connection is there
    m_upstream = new QTcpSocket(this);
    connect(m_upstream, &QTcpSocket::connected, this, [this, toClient, toUpstream] {
        m_state = State::Tunnel;
        send(toClient);
        m_upstream->write(toUpstream + std::exchange(m_buffer, {}));
    });
    connect(m_upstream, &QTcpSocket::readyRead, this, [this] { send(m_upstream->readAll()); });
    connect(m_upstream, &QTcpSocket::errorOccurred, this, [this, onFailure] {
        if (m_state != State::Tunnel)
            answer(onFailure, After::Close);
    });
    connect(m_upstream, &QTcpSocket::disconnected, this, [this] {
        if (m_state == State::Tunnel)
            finish();
    });
    m_upstream->connectToHost(address, port);
}

bool ProxyConnection::readSocks()
{
    const auto byte = [this](qsizetype i) { return quint8(m_buffer.at(i)); };
    if (m_buffer.size() > MaxSocksMessage) {
        finish();
        return false;
    }
    if (m_state == State::SocksGreeting) { // VER NMETHODS METHODS (RFC 1928 §3)
        if (m_buffer.size() < 2 || m_buffer.size() < 2 + byte(1))
            return false;
        const QByteArray methods = m_buffer.mid(2, byte(1));
        const bool isSocks5 = byte(0) == 5;
        const bool wantPassword = !m_owner->socksUser().isEmpty();
        const char method = wantPassword ? '\x02' : '\x00';
        m_buffer.remove(0, 2 + byte(1));
        if (!isSocks5 || !methods.contains(method)) {
            answer(QByteArray("\x05\xff", 2), After::Close);
            return false;
        }
        send(QByteArray("\x05", 1) + method);
        m_state = wantPassword ? State::SocksAuth : State::SocksRequest;
        return true;
    }
    if (m_state == State::SocksAuth) { // VER ULEN UNAME PLEN PASSWD (RFC 1929 §2)
        if (m_buffer.size() < 2 || m_buffer.size() < 3 + byte(1)
            || m_buffer.size() < 3 + byte(1) + byte(2 + byte(1)))
            return false;
        const qsizetype userLength = byte(1);
        const qsizetype passwordLength = byte(2 + userLength);
        m_socksUser = m_buffer.mid(2, userLength);
        const QByteArray password = m_buffer.mid(3 + userLength, passwordLength);
        m_buffer.remove(0, 3 + userLength + passwordLength);
        const bool ok = m_socksUser == m_owner->socksUser().toUtf8()
            && password == m_owner->socksPassword().toUtf8();
        if (!ok) {
            answer(QByteArray("\x01\x01", 2), After::Close);
            return false;
        }
        send(QByteArray("\x01\x00", 2));
        m_state = State::SocksRequest;
        return true;
    }
    return m_state == State::SocksRequest && readSocksRequest();
}

bool ProxyConnection::readSocksRequest()
{
    // VER CMD RSV ATYP DST.ADDR DST.PORT (RFC 1928 §4)
    const auto byte = [this](qsizetype i) { return quint8(m_buffer.at(i)); };
    if (m_buffer.size() < 5)
        return false;
    const quint8 type = byte(3);
    const qsizetype addressLength = type == 1 ? 4 : type == 4 ? 16 : type == 3 ? 1 + byte(4) : -1;
    if (addressLength < 0) {
        answer(socksReply(8), After::Close); // address type not supported
        return false;
    }
    if (m_buffer.size() < 4 + addressLength + 2)
        return false;
    QString host;
    if (type == 3) {
        host = QString::fromUtf8(m_buffer.mid(5, byte(4)));
    } else {
        QByteArray raw = m_buffer.mid(4, addressLength);
        host = type == 1
            ? QHostAddress(qFromBigEndian<quint32>(raw.constData())).toString()
            : QHostAddress(reinterpret_cast<const quint8 *>(raw.constData())).toString();
    }
    const quint16 port = qFromBigEndian<quint16>(m_buffer.constData() + 4 + addressLength);
    const quint8 command = byte(1);
    m_buffer.remove(0, 4 + addressLength + 2);
    RecordedRequest recorded;
    recorded.connection = m_index;
    recorded.method
        = command == 1 ? QByteArray("CONNECT") : "SOCKS5-" + QByteArray::number(command);
    recorded.target
        = (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host)
              .toUtf8()
        + ':' + QByteArray::number(port);
    recorded.socksUser = m_socksUser;
    m_owner->record(recorded);
    if (m_owner->socksReply() != 0 || command != 1) {
        answer(socksReply(command != 1 ? 7 : m_owner->socksReply()), After::Close);
        return false;
    }
    tunnelTo(host, port, socksReply(0), {}, socksReply(5)); // 5: connection refused
    return false;
}

void ProxyConnection::answer(const QByteArray &bytes, After after)
{
    send(bytes);
    if (after == After::Close)
        finish();
    else if (after == After::Silence)
        m_state = State::Silent;
}

void ProxyConnection::send(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return;
    if (m_throttle.interval() > 0) {
        m_queue += bytes;
        if (!m_throttle.isActive())
            m_throttle.start();
        return;
    }
    writeNow(bytes);
}

void ProxyConnection::writeNow(QByteArray bytes)
{
    const qint64 limit = m_owner->dropAfterBytes();
    if (limit >= 0 && m_sent + bytes.size() >= limit) {
        bytes.truncate(qMax<qint64>(0, limit - m_sent));
        m_sent += m_client->write(bytes);
        m_queue.clear();
        m_client->disconnectFromHost();
        return;
    }
    m_sent += m_client->write(bytes);
}

void ProxyConnection::onThrottleTick()
{
    if (m_queue.isEmpty()) {
        m_throttle.stop();
        if (m_closing)
            m_client->disconnectFromHost();
        return;
    }
    writeNow(m_queue.left(1));
    m_queue.remove(0, 1);
}

void ProxyConnection::finish()
{
    m_closing = true;
    m_state = State::Silent;
    if (!m_throttle.isActive())
        m_client->disconnectFromHost();
}

} // namespace

ScriptedProxy::ScriptedProxy(Behaviour behaviour, QObject *parent)
    : QObject(parent)
    , m_behaviour(behaviour)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            ++m_connections;
            if (m_behaviour == Behaviour::CloseAfterAccept) {
                socket->abort();
                socket->deleteLater();
                continue;
            }
            new ProxyConnection(this, socket, m_connections);
        }
    });
}

ScriptedProxy::~ScriptedProxy() = default;

bool ScriptedProxy::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void ScriptedProxy::close()
{
    m_server.close();
}

QUrl ScriptedProxy::url() const
{
    QUrl url;
    url.setScheme(
        m_behaviour == Behaviour::Socks5 ? QStringLiteral("socks5") : QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port());
    return url;
}

std::chrono::milliseconds ScriptedProxy::byteInterval() const
{
    if (m_byteInterval.count() >= 0)
        return m_byteInterval;
    return m_behaviour == Behaviour::OneBytePerSecond ? OneSecond : std::chrono::milliseconds(0);
}

void ScriptedProxy::setCredentials(const QString &user, const QString &password)
{
    m_user = user;
    m_password = password;
    m_authorization = user.isEmpty()
        ? QByteArray()
        : "Basic " + (user + QLatin1Char(':') + password).toUtf8().toBase64();
}

void ScriptedProxy::addHost(const QString &name, const QHostAddress &address)
{
    m_hosts.insert(name.toLower(), address);
}

QHostAddress ScriptedProxy::resolve(const QString &host) const
{
    QHostAddress address = m_hosts.value(host.toLower());
    if (address.isNull() && host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        address = QHostAddress::LocalHost;
    if (address.isNull())
        address = QHostAddress(host);
    return address.isLoopback() ? address : QHostAddress();
}

void ScriptedProxy::record(const RecordedRequest &request)
{
    m_requests.append(request);
    Q_EMIT requestReceived();
}

} // namespace QtWs::Test
