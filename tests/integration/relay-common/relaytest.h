// SPDX-License-Identifier: LGPL-3.0-or-later
// Shared helpers of the relay integration tests (header only; not a test folder).
#ifndef QTWS_TESTS_RELAYTEST_H
#define QTWS_TESTS_RELAYTEST_H

#include "protocol/httpmessage.h"
#include "protocol/message.h"
#include "relay/relaysession.h"

#include <qtws/relayserver.h>
#include <qtws/websocket.h>

#include <QtCore/QDir>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <chrono>

namespace RelayTest {

using namespace std::chrono_literals;

/*! A raw TCP backend on loopback (port 0): echoes every byte back unless told not to. */
class EchoServer : public QObject
{
    Q_OBJECT
public:
    explicit EchoServer(QObject *parent = nullptr)
        : QObject(parent)
    {
        connect(&server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                sockets.append(s);
                ++connections;
                connect(s, &QTcpSocket::readyRead, this, [this, s] {
                    const QByteArray data = s->readAll();
                    received += data;
                    if (echo)
                        s->write(data);
                });
                connect(s, &QTcpSocket::disconnected, this, [this, s] {
                    ++disconnections;
                    sockets.removeAll(s);
                    s->deleteLater();
                });
            }
        });
    }
    ~EchoServer() override
    {
        // The sockets are children of the server member: delete them while the list they report to
        // exists.
        const auto all = sockets;
        sockets.clear();
        for (QTcpSocket *s : all) {
            disconnect(s, nullptr, this, nullptr);
            delete s;
        }
    }
    bool listen() { return server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return server.serverPort(); }
    QString url() const { return QStringLiteral("tcp://127.0.0.1:%1").arg(port()); }
    void closeAll()
    {
        const auto all = sockets;
        for (QTcpSocket *s : all)
            s->disconnectFromHost();
    }
    void sendAll(const QByteArray &data)
    {
        for (QTcpSocket *s : std::as_const(sockets))
            s->write(data);
    }

    QTcpServer server;
    QList<QTcpSocket *> sockets;
    QByteArray received;
    int connections = 0;
    int disconnections = 0;
    bool echo = true;
};

/*!
    A well-behaved session next to a hostile one: a QtWs::WebSocket (it answers the relay's pings)
    that proves, one echo at a time, that the relay still serves it.
*/
class HealthySession : public QObject
{
public:
    HealthySession()
    {
        ws.setProxy(QNetworkProxy::NoProxy);
        const auto keep = [this](const QByteArray &m) { received.append(m); };
        connect(&ws, &QtWs::WebSocket::binaryMessageReceived, this, keep);
        connect(&ws, &QtWs::WebSocket::textMessageReceived, this,
            [keep](const QString &m) { keep(m.toUtf8()); });
    }
    /*! Opens \a url; true once the relay answered 101. */
    bool open(const QUrl &url)
    {
        ws.open(url);
        (void)QTest::qWaitFor(
            [this] { return ws.state() == QtWs::WebSocket::State::Open || !ws.errorString().isEmpty(); },
            10000);
        return ws.state() == QtWs::WebSocket::State::Open;
    }
    /*! Sends one numbered message and waits for exactly it to come back. */
    bool echoes()
    {
        const QByteArray message = "healthy " + QByteArray::number(++sent);
        if (ws.state() != QtWs::WebSocket::State::Open
            || ws.sendBinaryMessage(message) != message.size())
            return false;
        return QTest::qWaitFor([&] { return received.contains(message); }, 10000)
            && received.size() == sent;
    }

    QtWs::WebSocket ws;
    QByteArrayList received;
    int sent = 0;
};

/*! A response read from a raw connection. */
struct RawResponse
{
    QtWs::Protocol::HttpResponseHead head;
    QByteArray body;
    /*! Bytes after the body (e.g. frames after a 101). */
    QByteArray rest;
    /*! A complete response was read. */
    bool complete = false;
    /*! Neither a complete response nor the end of the connection came within the deadline. */
    bool timedOut = false;
};

/*!
    Reads one HTTP response (head + Content-Length body) from \a socket. Runs the event loop while
    waiting (the relay under test lives in the same thread), never blocks it.
*/
inline RawResponse readResponse(QTcpSocket *socket, std::chrono::milliseconds timeout = 10s)
{
    using QtWs::Protocol::HttpHeadParser;
    RawResponse r;
    HttpHeadParser parser(HttpHeadParser::Mode::Response);
    QByteArray buffer;
    bool headDone = false;
    const auto complete = [&]() -> bool {
        buffer += socket->readAll();
        if (!headDone) {
            const auto res = parser.feed(buffer);
            if (res.status == HttpHeadParser::Status::Error)
                return true;
            buffer.remove(0, res.consumed);
            // A socket still looking up or connecting has simply not been answered yet.
            if (res.status != HttpHeadParser::Status::Done)
                return socket->state() == QAbstractSocket::UnconnectedState
                    || socket->state() == QAbstractSocket::ClosingState;
            r.head = parser.takeResponse();
            headDone = true;
        }
        const qsizetype length = r.head.headers.value("Content-Length", "0").toLongLong();
        if (r.head.statusCode == 101 || buffer.size() >= length) {
            const qsizetype n = r.head.statusCode == 101 ? 0 : length;
            r.body = buffer.left(n);
            r.rest = buffer.mid(n);
            r.complete = true;
            return true;
        }
        return socket->state() == QAbstractSocket::UnconnectedState
            || socket->state() == QAbstractSocket::ClosingState;
    };
    r.timedOut = !QTest::qWaitFor(complete, int(timeout.count()));
    return r;
}

/*! A client end on a raw socket: masked frames out, messages in, with the shared codec. */
struct RawClient
{
    QTcpSocket socket;
    QtWs::Protocol::MessageReader reader {[] {
        QtWs::Protocol::MessageReader::Options o;
        o.role = QtWs::Protocol::Role::Client;
        return o;
    }()};
    QtWs::Protocol::MessageWriter writer {[] {
        QtWs::Protocol::MessageWriter::Options o;
        o.role = QtWs::Protocol::Role::Client;
        return o;
    }()};
    QByteArray pending;

    void send(QtWs::Protocol::OpCode op, const QByteArray &payload)
    {
        QByteArray out;
        writer.writeMessage(out, op, payload);
        socket.write(out);
    }
    void sendClose(quint16 code, const QString &reason)
    {
        QByteArray out;
        writer.writeClose(out, code, reason);
        socket.write(out);
    }
    /*!
        The next event (message, close or error; with \a control also a Ping or Pong), running the
        event loop while waiting.
    */
    QtWs::Protocol::MessageEvent next(std::chrono::milliseconds timeout = 10s, bool control = false)
    {
        QtWs::Protocol::MessageEvent ev;
        (void)QTest::qWaitFor(
            [&] {
                pending += socket.readAll();
                while (!pending.isEmpty()) {
                    const auto r = reader.feed(pending);
                    pending.remove(0, r.consumed);
                    if (r.eventReady) {
                        ev = reader.takeEvent();
                        if (control
                            || (ev.type != QtWs::Protocol::MessageEvent::Type::Ping
                                && ev.type != QtWs::Protocol::MessageEvent::Type::Pong))
                            return true;
                    }
                    if (r.consumed == 0)
                        break;
                }
                return socket.state() != QAbstractSocket::ConnectedState
                    && socket.bytesAvailable() == 0;
            },
            int(timeout.count()));
        return ev;
    }
};

/*! Connects \a socket to 127.0.0.1:\a port, running the event loop meanwhile. */
inline bool connectTo(QTcpSocket *socket, quint16 port)
{
    socket->connectToHost(QHostAddress::LocalHost, port);
    (void)QTest::qWaitFor(
        [socket] {
            return socket->state() == QAbstractSocket::ConnectedState
                || socket->state() == QAbstractSocket::UnconnectedState; // refused
        },
        5000);
    return socket->state() == QAbstractSocket::ConnectedState;
}

/*!
    Connects to 127.0.0.1:\a port (unless \a keep is connected), writes \a request and reads the
    response.
*/
inline RawResponse exchange(quint16 port, const QByteArray &request, QTcpSocket *keep = nullptr)
{
    QTcpSocket local;
    QTcpSocket *socket = keep ? keep : &local;
    if (socket->state() != QAbstractSocket::ConnectedState && !connectTo(socket, port))
        return RawResponse();
    socket->write(request);
    return readResponse(socket);
}

/*! A WebSocket upgrade request head (key from RFC 6455 §1.3's example). */
inline QByteArray upgradeRequest(const QByteArray &method, const QByteArray &target,
    const QByteArray &host, const QByteArray &extra = QByteArray())
{
    return method + ' ' + target + " HTTP/1.1\r\nHost: " + host
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
          "dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n"
        + extra + "\r\n";
}

/*!
    Runs node with \a script and \a args while the event loop keeps serving the in-process relay;
    returns the exit code (-1 on crash or timeout, the process is killed) and the merged output.
*/
inline int runNode(const QString &script, const QStringList &args, QByteArray *output,
    std::chrono::milliseconds timeout = 60s)
{
    QProcess node;
    node.setProcessChannelMode(QProcess::MergedChannels);
    QSignalSpy finished(&node, &QProcess::finished);
    node.start(QStringLiteral(QTWS_NODE_EXECUTABLE), QStringList {script} + args);
    if (!node.waitForStarted(10000))
        return -1;
    if (!finished.wait(int(timeout.count()))) {
        node.kill();
        node.waitForFinished(5000);
        *output = node.readAll() + "\n[killed after timeout]";
        return -1;
    }
    *output = node.readAll();
    return node.exitStatus() == QProcess::NormalExit ? node.exitCode() : -1;
}

/*! A loopback port that was free a moment ago (for servers that cannot bind port 0 and report it).
 */
inline quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

/*! Reads \a path and replaces each "@KEY@" of \a values. */
inline QByteArray instantiate(
    const QString &path, const QList<QPair<QByteArray, QByteArray>> &values)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray();
    QByteArray text = f.readAll();
    for (const auto &kv : values)
        text.replace(QByteArray('@' + kv.first + '@'), kv.second);
    return text;
}

/*!
    A server process started by a test (nginx, apache2, haproxy, qtws-relay) and always stopped:
    terminate, then kill, in the destructor, also when the test fails.
*/
class ServerProcess
{
public:
    ~ServerProcess() { stop(); }
    bool start(const QString &program, const QStringList &args, const QString &workDir = QString())
    {
        process.setProcessChannelMode(QProcess::MergedChannels);
        if (!workDir.isEmpty())
            process.setWorkingDirectory(workDir);
        process.start(program, args);
        return process.waitForStarted(10000);
    }
    void stop()
    {
        if (process.state() == QProcess::NotRunning)
            return;
        process.terminate();
        if (!process.waitForFinished(5000)) {
            process.kill();
            process.waitForFinished(5000);
        }
    }
    QByteArray output() { return captured += process.readAll(); }
    bool isRunning() const { return process.state() == QProcess::Running; }
    QProcess process;
    QByteArray captured;
};

/*! Waits (running the event loop) until GET \a path on \a port answers with \a status. */
inline bool waitForHttp(
    quint16 port, const QByteArray &path, int status, std::chrono::milliseconds timeout = 15s)
{
    return QTest::qWaitFor(
        [&] {
            const RawResponse r = exchange(
                port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            return r.complete && r.head.statusCode == status;
        },
        int(timeout.count()));
}

/*! Resident memory of process \a pid in KiB (VmRSS of /proc/PID/status); -1 if unreadable. */
inline qint64 residentKiB(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

/*! Open file descriptors of process \a pid (entries of /proc/PID/fd); -1 if unreadable. */
inline qsizetype openDescriptors(qint64 pid)
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    if (!fds.exists())
        return -1;
    return fds.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System).size();
}

/*!
    Starts the qtws-relay tool in \a relay with \a args (plus "--listen 127.0.0.1:\a port") and
    returns the port it reports listening on, 0 when it did not start.
*/
inline quint16 startRelayTool(ServerProcess *relay, const QStringList &args, quint16 port = 0)
{
    const QString tool = QStringLiteral(QTWS_BINARY_DIR "/qtws/tools/qtws-relay/qtws-relay");
    if (!relay->start(tool, QStringList {QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:%1").arg(port)} + args))
        return 0;
    static const QRegularExpression listening(
        QStringLiteral("listening on 127\\.0\\.0\\.1:(\\d+)"));
    QRegularExpressionMatch m;
    (void)QTest::qWaitFor(
        [&] {
            m = listening.match(QString::fromUtf8(relay->output()));
            return m.hasMatch() || !relay->isRunning();
        },
        15000);
    return m.hasMatch() ? quint16(m.captured(1).toUInt()) : 0;
}

/*!
    A counter of the relay's status page (GET \a path on \a port), e.g. "sessions" or "unknown
    sid"; -1 when the page could not be read.
*/
inline qint64 statusCounter(quint16 port, const QByteArray &path, const QByteArray &name)
{
    const RawResponse r = exchange(
        port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (!r.complete || r.head.statusCode != 200)
        return -1;
    for (const QByteArray &line : r.body.split('\n')) {
        if (line.startsWith(QByteArray(name + ": ")))
            return line.mid(name.size() + 2).toLongLong();
    }
    return -1;
}

/*!
    The only session of \a relay (nullptr unless there is exactly one), to wait on its
    backpressure state.
*/
inline QtWs::Relay::Session *onlySession(QtWs::RelayServer *relay)
{
    const auto sessions = relay->findChildren<QtWs::Relay::Session *>(Qt::FindDirectChildrenOnly);
    return sessions.size() == 1 ? sessions.front() : nullptr;
}

// Queues \a total bytes on \a backend (a patterned 1 MiB chunk, repeated) far faster than any
// client reads them, for the backpressure tests; returns the chunk so the reader can check order.
inline QByteArray floodBackend(QTcpSocket *backend, qint64 total)
{
    QByteArray chunk(1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < chunk.size(); ++i)
        chunk[i] = char(i * 31 + 7);
    for (qint64 sent = 0; sent < total; sent += chunk.size())
        backend->write(chunk);
    return chunk;
}

} // namespace RelayTest

#endif // QTWS_TESTS_RELAYTEST_H
