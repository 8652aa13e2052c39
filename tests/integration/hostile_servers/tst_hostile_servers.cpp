// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket against servers that misbehave on purpose (issue 12, "Hostile peers"). Each row
// is a script for a loopback server (QTcpServer, QSslServer for the TLS rows): what it answers to
// the upgrade request, which frames follow, how often, how it ends. Each row says the typed error
// the client must end with, the close code it must send where RFC 6455 §7.4.1 prescribes one, and
// the virtual time (ManualClock) the error may take; the test also checks that no descriptor is
// left behind and, for the limit rows, that the peak resident memory stays under the configured
// limit plus a constant. Each row prints a "table:" line (the behaviour, the error, the close code,
// the deadline); scripts/hostile-table.sh turns them into the table of docs/reliability.md.
#include <qtws/websocket.h>

#include "client/websocket_p.h"
#include "hostilepeer.h"
#include "manualclock.h"
#include "protocol/handshake.h"
#include "protocol/message.h"
#include "testcertificates.h"

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <sys/socket.h>
#include <zlib.h>

using namespace QtWs;
using namespace QtWs::Test;
using namespace std::chrono_literals;
using RawFrame::closePayload;
using RawFrame::frame;

namespace {

// The client's limits in these rows, and what the peak memory may exceed them by: Qt's socket
// buffers (the kernel hands a loopback reader up to a few MiB per read), the allocator's slack,
// the test's own bookkeeping.
constexpr qint64 Limit = 1024 * 1024;
constexpr qint64 MemorySlack = 12 * 1024 * 1024;
constexpr auto HandshakeTimeout = 10s;
constexpr auto CloseTimeout = 5s;
constexpr auto KeepAlive = 1s;
constexpr auto PongDeadline = 2s;
constexpr int RealTimeoutMs = 20000; // a hang fails the row after this (real time)

enum class Pace { AtOnce, OneBytePerSecond };
enum class End { Stay, Fin, Reset };
enum class Wait { None, Handshake, Drip, Close, Pong };
enum class Tls { None, Untrusted, Expired, WrongHost, PlainHttpServer, ServerCloses };

/*! What the scripted server does, and how the client must end. */
struct Script
{
    QByteArray response; // to the upgrade request; %ACCEPT% is the right accept key
    QByteArray frames; // after the response, written `repeat` times, streamed
    qint64 repeat = 1;
    QByteArray tail; // after the repetitions
    End end = End::Stay;
    Pace pace = Pace::AtOnce;
    bool readsWhileWriting = true; // false: reads nothing until everything was written
    bool answersClose = true; // echoes the client's Close and closes TCP
    bool compression = false; // the client offers permessage-deflate
    QStringList subprotocols; // offered by the client
    bool clientCloses = false; // the client calls close() once Open
    Wait wait = Wait::None;
    Tls tls = Tls::None;
    bool measureMemory = false;

    WebSocket::Error error = WebSocket::Error::NoError;
    int closeCode = -1; // the client's closeCode() afterwards; -1: not checked
    bool serverGetsCloseCode = false; // the server must receive a Close with closeCode
};

} // namespace

Q_DECLARE_METATYPE(Script)

namespace {

QByteArray accept101(const QByteArray &extra = {})
{
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: %ACCEPT%\r\n"
        + extra + "\r\n";
}

QByteArray status(const QByteArray &line, const QByteArray &extra = "Content-Length: 0\r\n")
{
    return "HTTP/1.1 " + line + "\r\n" + extra + "\r\n";
}

// 1 GiB of zeros in raw deflate (RFC 7692 §7.2.1: no zlib header, sync flush, tail removed):
// about 1 MiB that inflates 1000-fold. Made once, in pieces, never holding the gigabyte.
QByteArray deflateBomb()
{
    static const QByteArray bomb = [] {
        z_stream z {};
        deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
        const QByteArray zeros(1024 * 1024, '\0');
        QByteArray out;
        QByteArray chunk(256 * 1024, Qt::Uninitialized);
        for (int i = 0; i <= 1024; ++i) {
            const bool last = i == 1024;
            z.next_in = last ? nullptr
                             : reinterpret_cast<Bytef *>(const_cast<char *>(zeros.constData()));
            z.avail_in = last ? 0 : uInt(zeros.size());
            do {
                z.next_out = reinterpret_cast<Bytef *>(chunk.data());
                z.avail_out = uInt(chunk.size());
                deflate(&z, last ? Z_SYNC_FLUSH : Z_NO_FLUSH);
                out.append(chunk.constData(), chunk.size() - z.avail_out);
            } while (z.avail_out == 0);
        }
        deflateEnd(&z);
        out.chop(4); // 00 00 ff ff
        return out;
    }();
    return bomb;
}

/*
    The scripted server: one connection at a time, answers the first request head as the script
    says, streams the frames with at most a few hundred KiB queued (so that its own buffers do not
    count in the client's memory), reads the client's frames after the upgrade.
*/
class HostileServer : public QObject
{
public:
    explicit HostileServer(const Script &script, const QSslConfiguration &tls = {})
        : m_script(script)
    {
        if (!tls.isNull()) {
            auto *server = new QSslServer(this);
            server->setSslConfiguration(tls);
            server->setHandshakeTimeout(RealTimeoutMs);
            m_server = server;
            connect(server, &QTcpServer::pendingConnectionAvailable, this, &HostileServer::accept);
        } else {
            m_server = new QTcpServer(this);
            connect(m_server, &QTcpServer::newConnection, this, &HostileServer::accept);
        }
    }

    bool listen() { return m_server->listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server->serverPort(); }
    bool hasRequest() const { return !m_head.isEmpty(); }
    int connections() const { return m_connections; }
    bool clientGone() const { return m_clientGone; }
    bool sawClose() const { return m_closeCode >= 0; }
    int receivedCloseCode() const { return m_closeCode; }
    int pingsReceived() const { return m_pings; }
    bool done() const { return m_done; }

    /*! Pace::OneBytePerSecond: the next byte of the response (the test keeps the time). */
    bool dripOneByte()
    {
        if (!m_socket || m_drip.isEmpty())
            return false;
        m_socket->write(m_drip.left(1));
        m_drip.remove(0, 1);
        return true;
    }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            ++m_connections;
            if (m_socket) { // one client per row; a second connection is a bug of the client
                socket->abort();
                socket->deleteLater();
                continue;
            }
            m_socket = socket;
            socket->setParent(this);
            // A server that does not read must not read behind the test's back either: with a
            // bounded buffer Qt leaves the rest in the kernel, and the client's writes back up.
            if (!m_script.readsWhileWriting)
                socket->setReadBufferSize(64 * 1024);
            connect(socket, &QTcpSocket::readyRead, this, &HostileServer::onData);
            connect(socket, &QTcpSocket::bytesWritten, this, &HostileServer::pump);
            connect(socket, &QTcpSocket::disconnected, this, [this] { m_clientGone = true; });
            if (m_script.tls == Tls::PlainHttpServer) // answers the ClientHello with HTTP
                socket->write(status("400 Bad Request", "Connection: close\r\n"));
            if (m_script.tls == Tls::ServerCloses)
                socket->disconnectFromHost();
        }
    }

    void onData()
    {
        if (!m_head.isEmpty() && !m_script.readsWhileWriting && !m_done)
            return; // a server that does not read while it floods
        m_in += m_socket->readAll();
        if (m_head.isEmpty()) {
            const qsizetype end = m_in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            m_head = m_in.left(end + 4);
            m_in.remove(0, end + 4);
            respond();
        }
        if (m_upgraded)
            readFrames();
    }

    QByteArray requestKey() const
    {
        for (const QByteArray &line : m_head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0
                && line.left(colon).trimmed().compare("Sec-WebSocket-Key", Qt::CaseInsensitive)
                    == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }

    void respond()
    {
        QByteArray response = m_script.response;
        response.replace("%ACCEPT%", Protocol::computeAcceptKey(requestKey()));
        m_upgraded = response.startsWith("HTTP/1.1 101") && response.contains("\r\n\r\n");
        if (m_script.pace == Pace::OneBytePerSecond) {
            m_drip = response;
            return;
        }
        m_socket->write(response);
        m_left = m_script.frames.isEmpty() ? 0 : m_script.repeat;
        pump();
    }

    void pump()
    {
        if (!m_socket || m_done || m_script.pace == Pace::OneBytePerSecond)
            return;
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            return;
        // Batches of frames up to 64 KiB, with at most 256 KiB waiting in this process.
        const qint64 perBatch = qMax<qint64>(1, 64 * 1024 / qMax<qsizetype>(1, m_script.frames.size()));
        while (m_left > 0 && m_socket->bytesToWrite() < 256 * 1024) {
            const qint64 n = qMin(m_left, perBatch);
            m_socket->write(m_script.frames.repeated(n));
            m_left -= n;
        }
        if (m_left > 0)
            return;
        m_done = true;
        m_socket->write(m_script.tail);
        if (m_script.end == End::Fin) {
            m_socket->disconnectFromHost();
        } else if (m_script.end == End::Reset) {
            m_socket->flush();
            const linger reset {1, 0}; // SO_LINGER 0: close() sends RST
            ::setsockopt(int(m_socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset,
                sizeof reset);
            m_socket->abort();
        }
        if (!m_script.readsWhileWriting) // now it reads what piled up
            QMetaObject::invokeMethod(this, &HostileServer::onData, Qt::QueuedConnection);
    }

    void readFrames()
    {
        QByteArrayView data(m_in);
        while (!data.isEmpty() && !m_reader.isFinished()) {
            const auto r = m_reader.feed(data);
            data = data.sliced(r.consumed);
            if (!r.eventReady) {
                if (r.consumed == 0)
                    break;
                continue;
            }
            const Protocol::MessageEvent e = m_reader.takeEvent();
            if (e.type == Protocol::MessageEvent::Type::Ping)
                ++m_pings;
            if (e.type == Protocol::MessageEvent::Type::Close && m_closeCode < 0) {
                m_closeCode = e.closeCode;
                if (m_script.answersClose && m_socket) {
                    m_socket->write(frame(0x88, closePayload(e.closeCode)));
                    m_socket->disconnectFromHost();
                }
            }
        }
        m_in.clear();
    }

    static Protocol::MessageReader::Options readerOptions()
    {
        Protocol::MessageReader::Options o;
        o.role = Protocol::Role::Server;
        return o;
    }

    Script m_script;
    QTcpServer *m_server = nullptr;
    QTcpSocket *m_socket = nullptr;
    Protocol::MessageReader m_reader {readerOptions()};
    QByteArray m_in;
    QByteArray m_head;
    QByteArray m_drip;
    qint64 m_left = 0;
    int m_connections = 0;
    int m_closeCode = -1;
    int m_pings = 0;
    bool m_upgraded = false;
    bool m_done = false;
    bool m_clientGone = false;
};

std::chrono::milliseconds deadlineOf(Wait wait)
{
    switch (wait) {
    case Wait::None:
        return 0ms;
    case Wait::Handshake:
    case Wait::Drip:
        return HandshakeTimeout;
    case Wait::Close:
        return CloseTimeout;
    case Wait::Pong:
        return KeepAlive + PongDeadline;
    }
    return 0ms;
}

QString deadlineText(Wait wait)
{
    switch (wait) {
    case Wait::None:
        return QStringLiteral("at once");
    case Wait::Handshake:
    case Wait::Drip:
        return QStringLiteral("handshake timeout (10 s)");
    case Wait::Close:
        return QStringLiteral("close timeout (5 s)");
    case Wait::Pong:
        return QStringLiteral("keep-alive 1 s + pong deadline 2 s");
    }
    return {};
}

} // namespace

class tst_HostileServers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void behaviours_data();
    void behaviours();
    void interimResponsesBeforeThe101();

private:
    void handshakeRows();
    void timingRows();
    void frameRows();
    void utf8AndCloseRows();
    void limitRows();
    void tlsRows();
    QSslConfiguration serverTls(Tls tls) const;
    bool advanceUntilError(ManualClock &clock, const Script &s, HostileServer &server,
        WebSocket &socket, const QSignalSpy &errors);

    QTemporaryDir m_dir;
    TestCertificates m_certificates;
    QSslConfiguration m_expired;
    QSslConfiguration m_wrongHost;
};

void tst_HostileServers::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_certificates.generate(m_dir.path()), qPrintable(m_certificates.errorString()));
    m_expired = m_certificates.issueServerConfiguration(
        QStringLiteral("expired"), QStringLiteral("DNS:localhost,IP:127.0.0.1"), true);
    QVERIFY2(!m_expired.isNull(), qPrintable(m_certificates.errorString()));
    m_wrongHost = m_certificates.issueServerConfiguration(
        QStringLiteral("otherhost"), QStringLiteral("DNS:other.test"), false);
    QVERIFY2(!m_wrongHost.isNull(), qPrintable(m_certificates.errorString()));
    QVERIFY2(ProcessProbe::openDescriptors() > 0, "/proc/self/fd is needed for the leak check");
    // One good connection first: what Qt opens once per process (its network thread pools, the
    // host lookup machinery) is then open before the first row counts descriptors.
    Script good;
    good.response = accept101();
    HostileServer server(good);
    QVERIFY(server.listen());
    WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    WebSocket socket;
    QSignalSpy disconnected(&socket, &WebSocket::disconnected);
    connect(&socket, &WebSocket::connected, &socket, [&socket] { socket.close(); });
    socket.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.port()))),
        options);
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, RealTimeoutMs);
    QCOMPARE(socket.error(), WebSocket::Error::NoError);
}

QSslConfiguration tst_HostileServers::serverTls(Tls tls) const
{
    switch (tls) {
    case Tls::Untrusted:
        return m_certificates.serverConfiguration();
    case Tls::Expired:
        return m_expired;
    case Tls::WrongHost:
        return m_wrongHost;
    default:
        return {};
    }
}

namespace {

using E = WebSocket::Error;

Script handshakeFailure(const QByteArray &response, E error)
{
    Script s;
    s.response = response;
    s.error = error;
    return s;
}

Script afterUpgrade(const QByteArray &frames, E error, int code, qint64 repeat = 1)
{
    Script s;
    s.response = accept101();
    s.frames = frames;
    s.repeat = repeat;
    s.error = error;
    s.closeCode = code;
    s.serverGetsCloseCode = code != 1006;
    return s;
}

Script violation(const QByteArray &frames)
{
    return afterUpgrade(frames, E::ProtocolViolation, 1002);
}

Script badPayload(const QByteArray &frames)
{
    return afterUpgrade(frames, E::InvalidPayload, 1007);
}

Script compressed(Script s, const QByteArray &extension = "permessage-deflate")
{
    s.compression = true;
    s.response = accept101("Sec-WebSocket-Extensions: " + extension + "\r\n");
    return s;
}

} // namespace

void tst_HostileServers::handshakeRows()
{
    const auto row = [](const char *name, const Script &s) { QTest::newRow(name) << s; };
    const QByteArray upgrade = "Upgrade: websocket\r\n";
    const QByteArray connection = "Connection: Upgrade\r\n";
    const QByteArray acceptLine = "Sec-WebSocket-Accept: %ACCEPT%\r\n";
    const QByteArray head101 = "HTTP/1.1 101 Switching Protocols\r\n";

    row("200 instead of 101", handshakeFailure(status("200 OK", "Content-Length: 2\r\n") + "hi",
                                  E::HandshakeRejected));
    row("200 without a body, kept alive", handshakeFailure(status("200 OK"), E::HandshakeRejected));
    row("404", handshakeFailure(status("404 Not Found"), E::HandshakeRejected));
    row("426 Upgrade Required",
        handshakeFailure(status("426 Upgrade Required", "Upgrade: websocket\r\nContent-Length: 0\r\n"),
            E::HandshakeRejected));
    row("500 with a chunked body",
        handshakeFailure(status("500 Internal Server Error", "Transfer-Encoding: chunked\r\n")
                + "5\r\noops!\r\n0\r\n\r\n",
            E::HandshakeRejected));
    for (const char *code : {"301 Moved Permanently", "302 Found", "307 Temporary Redirect",
             "308 Permanent Redirect"}) {
        const QByteArray name = "redirect " + QByteArray(code).left(3) + " (not followed)";
        row(name.constData(),
            handshakeFailure(status(code, "Location: ws://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n"),
                E::HandshakeRejected));
    }
    row("wrong accept key",
        handshakeFailure(head101 + upgrade + connection
                + "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
            E::HandshakeInvalid));
    row("accept key of RFC 6455's sample nonce",
        handshakeFailure(head101 + upgrade + connection
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            E::HandshakeInvalid));
    row("missing accept key",
        handshakeFailure(head101 + upgrade + connection + "\r\n", E::HandshakeInvalid));
    row("duplicated accept key (both right)",
        handshakeFailure(head101 + upgrade + connection + acceptLine + acceptLine + "\r\n",
            E::HandshakeInvalid));
    row("duplicated accept key (right, then wrong)",
        handshakeFailure(head101 + upgrade + connection + acceptLine
                + "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
            E::HandshakeInvalid));
    row("accept key with a trailing character",
        handshakeFailure(head101 + upgrade + connection + "Sec-WebSocket-Accept: %ACCEPT%x\r\n\r\n",
            E::HandshakeInvalid));
    row("missing Upgrade",
        handshakeFailure(head101 + connection + acceptLine + "\r\n", E::HandshakeInvalid));
    row("Upgrade: h2c", handshakeFailure(head101 + "Upgrade: h2c\r\n" + connection + acceptLine + "\r\n",
                            E::HandshakeInvalid));
    row("missing Connection",
        handshakeFailure(head101 + upgrade + acceptLine + "\r\n", E::HandshakeInvalid));
    row("Connection: keep-alive only",
        handshakeFailure(head101 + upgrade + "Connection: keep-alive\r\n" + acceptLine + "\r\n",
            E::HandshakeInvalid));
    row("subprotocol when none was offered",
        handshakeFailure(accept101("Sec-WebSocket-Protocol: chat\r\n"), E::HandshakeInvalid));
    Script other = handshakeFailure(accept101("Sec-WebSocket-Protocol: evil\r\n"), E::HandshakeInvalid);
    other.subprotocols = {QStringLiteral("chat"), QStringLiteral("superchat")};
    row("subprotocol that was not offered", other);
    Script two = handshakeFailure(
        accept101("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat\r\n"),
        E::HandshakeInvalid);
    two.subprotocols = {QStringLiteral("chat"), QStringLiteral("superchat")};
    row("two subprotocols selected", two);
    row("extension that was not offered",
        handshakeFailure(accept101("Sec-WebSocket-Extensions: x-evil\r\n"), E::HandshakeInvalid));
    row("permessage-deflate when compression was not offered",
        handshakeFailure(accept101("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
            E::HandshakeInvalid));
    for (const char *bad : {"permessage-deflate; server_max_window_bits=7",
             "permessage-deflate; server_max_window_bits=16",
             "permessage-deflate; server_max_window_bits=abc",
             "permessage-deflate; x-unknown-parameter",
             "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
             "permessage-deflate; server_no_context_takeover=1",
             "permessage-deflate, permessage-deflate"}) {
        Script s = compressed(handshakeFailure({}, E::HandshakeInvalid), bad);
        row(QByteArray(QByteArray("deflate parameters: ") + QByteArray(bad).mid(20)).constData(), s);
    }
    row("garbage status line", handshakeFailure("HTTP/1.1 1O1 Switching\r\n\r\n", E::HandshakeInvalid));
    row("status line without a code",
        handshakeFailure("HTTP/1.1\r\n" + upgrade + "\r\n", E::HandshakeInvalid));
    row("HTTP/0.9 reply (a bare document)",
        handshakeFailure("<html><body>It works!</body></html>\n", E::HandshakeInvalid));
    row("not HTTP (an SSH banner)", handshakeFailure("SSH-2.0-OpenSSH_9.2\r\n", E::HandshakeInvalid));
    row("header line without a colon",
        handshakeFailure(head101 + upgrade + "this is not a header\r\n" + connection + acceptLine + "\r\n",
            E::HandshakeInvalid));
    row("NUL in a header value",
        handshakeFailure(head101 + upgrade + QByteArray("X-Evil: a\0b\r\n", 13) + connection
                + acceptLine + "\r\n",
            E::HandshakeInvalid));
    Script hugeLine = handshakeFailure(head101 + "X-Huge: ", E::HandshakeInvalid);
    hugeLine.frames = QByteArray(1024, 'a');
    hugeLine.repeat = 4096;
    hugeLine.tail = "\r\n\r\n";
    hugeLine.measureMemory = true;
    row("response head over the limit: one 4 MiB line", hugeLine);
    Script manyHeaders = handshakeFailure(head101, E::HandshakeInvalid);
    manyHeaders.frames = "X-Many: header\r\n";
    manyHeaders.repeat = 1000000;
    manyHeaders.measureMemory = true;
    row("response head over the limit: a million headers", manyHeaders);
    Script endlessStatus = handshakeFailure("HTTP/1.1 101 ", E::HandshakeInvalid);
    endlessStatus.frames = QByteArray(1024, 'x');
    endlessStatus.repeat = 16 * 1024; // 16 MiB status line
    endlessStatus.measureMemory = true;
    row("status line of 16 MiB without an end", endlessStatus);
    Script endless1xx = handshakeFailure({}, E::HandshakeInvalid);
    endless1xx.frames = "HTTP/1.1 100 Continue\r\n\r\n";
    endless1xx.repeat = 100000;
    endless1xx.measureMemory = true;
    row("endless interim responses (100 Continue)", endless1xx);
}

void tst_HostileServers::timingRows()
{
    const auto row = [](const char *name, const Script &s) { QTest::newRow(name) << s; };
    Script silent;
    silent.wait = Wait::Handshake;
    silent.error = E::HandshakeTimeout;
    row("no answer", silent);
    Script half = silent;
    half.response = "HTTP/1.1 101 Switch";
    row("half a status line, then silence", half);
    Script headNoEnd = silent;
    headNoEnd.response = accept101().chopped(2); // the empty line never comes
    row("101 head without its empty line", headNoEnd);
    Script drip = silent;
    drip.response = accept101();
    drip.pace = Pace::OneBytePerSecond;
    drip.wait = Wait::Drip;
    row("one byte per second", drip);

    Script fin;
    fin.end = End::Fin;
    fin.error = E::ClosedAbnormally;
    row("FIN before any answer", fin);
    Script finHead = fin;
    finHead.response = "HTTP/1.1 101 Switching Protocols\r\nUpgr";
    row("FIN inside the response head", finHead);
    Script reset = fin;
    reset.end = End::Reset;
    row("reset before any answer", reset);
    Script resetHead = reset;
    resetHead.response = "HTTP/1.1 101 Switching Protocols\r\nUpgr";
    row("reset mid-handshake (inside the head)", resetHead);

    Script finAfter101 = afterUpgrade({}, E::ClosedAbnormally, 1006);
    finAfter101.end = End::Fin;
    row("FIN right after 101", finAfter101);
    Script resetAfter101 = finAfter101;
    resetAfter101.end = End::Reset;
    row("reset right after 101", resetAfter101);
    Script finAfterMessage = afterUpgrade(frame(0x81, "bye"), E::ClosedAbnormally, 1006);
    finAfterMessage.end = End::Fin;
    row("FIN after a message, without a Close", finAfterMessage);
    Script finMidFrame = afterUpgrade(frame(0x82, QByteArray(100, 'x')).left(50), E::ClosedAbnormally, 1006);
    finMidFrame.end = End::Fin;
    row("FIN in the middle of a frame", finMidFrame);

    Script neverAnswersClose = afterUpgrade({}, E::CloseTimeout, 1006);
    neverAnswersClose.serverGetsCloseCode = false;
    neverAnswersClose.answersClose = false;
    neverAnswersClose.clientCloses = true;
    neverAnswersClose.wait = Wait::Close;
    row("never answers our Close", neverAnswersClose);
    Script noPong = afterUpgrade({}, E::PongTimeout, 1006);
    noPong.serverGetsCloseCode = false;
    noPong.wait = Wait::Pong;
    row("never answers a keep-alive Ping", noPong);
}

void tst_HostileServers::frameRows()
{
    const auto row = [](const char *name, const Script &s) { QTest::newRow(name) << s; };
    row("masked server frame", violation(frame(0x81, "hi", true)));
    for (int op : {3, 4, 5, 6, 7})
        row(qPrintable(QStringLiteral("reserved data opcode %1").arg(op)), violation(frame(0x80 | op, {})));
    for (int op : {0xb, 0xc, 0xf})
        row(qPrintable(QStringLiteral("reserved control opcode 0x%1").arg(op, 0, 16)),
            violation(frame(0x80 | op, {})));
    row("RSV1 without negotiation", violation(frame(0xc1, "hi")));
    row("RSV2", violation(frame(0xa1, "hi")));
    row("RSV3", violation(frame(0x91, "hi")));
    row("RSV1 on a Ping with deflate", compressed(violation(frame(0xc9, "p"))));
    row("RSV1 on a continuation with deflate",
        compressed(violation(frame(0x01, QByteArray("\x02\x00", 2)) + frame(0xc0, QByteArray("\x00", 1)))));
    row("length 2^63 (most significant bit set)",
        afterUpgrade(RawFrame::header64(0x82, quint64(1) << 63), E::ProtocolViolation, 1002));
    row("length 2^64-1", afterUpgrade(RawFrame::header64(0x82, ~quint64(0)), E::ProtocolViolation, 1002));
    row("length 2^63-1", afterUpgrade(RawFrame::header64(0x82, (quint64(1) << 63) - 1),
                             E::MessageTooBig, 1009));
    row("64-bit length for 5 bytes (not minimal)",
        violation(RawFrame::header64(0x81, 5) + "hello"));
    row("16-bit length for 5 bytes (not minimal)",
        violation(RawFrame::header16(0x81, 5) + "hello"));
    row("continuation without a start", violation(frame(0x80, "x")));
    row("new message inside a fragmented one", violation(frame(0x01, "a") + frame(0x81, "b")));
    row("Ping of 126 bytes", violation(frame(0x89, QByteArray(126, 'p'))));
    row("Pong of 126 bytes", violation(frame(0x8a, QByteArray(126, 'p'))));
    row("Close of 126 bytes", violation(frame(0x88, closePayload(1000, QByteArray(124, 'r')))));
    row("fragmented Ping", violation(frame(0x09, "p") + frame(0x80, "q")));
    row("fragmented Close", violation(frame(0x08, closePayload(1000)) + frame(0x80, "x")));
    row("data after the server's Close is ignored: 64 KiB", [] {
        Script s = afterUpgrade(frame(0x88, closePayload(1000)) + frame(0x82, QByteArray(65536, 'x')),
            E::NoError, 1000);
        s.serverGetsCloseCode = true;
        return s;
    }());
}

void tst_HostileServers::utf8AndCloseRows()
{
    const auto row = [](const char *name, const Script &s) { QTest::newRow(name) << s; };
    row("invalid UTF-8 text", badPayload(frame(0x81, QByteArray("\xc3\x28", 2))));
    row("invalid UTF-8 split across fragments",
        badPayload(frame(0x01, QByteArray("ok\xe2\x82", 4)) + frame(0x80, QByteArray("\x28", 1))));
    row("UTF-8 surrogate across fragments",
        badPayload(frame(0x01, QByteArray("\xed", 1)) + frame(0x00, QByteArray("\xa0", 1))
            + frame(0x80, QByteArray("\x80", 1))));
    row("overlong UTF-8 (C0 80)", badPayload(frame(0x81, QByteArray("\xc0\x80", 2))));
    row("UTF-8 above U+10FFFF", badPayload(frame(0x81, QByteArray("\xf4\x90\x80\x80", 4))));
    row("truncated UTF-8 at the end of a message",
        badPayload(frame(0x01, "ok") + frame(0x80, QByteArray("\xe2\x82", 2))));
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
        row(qPrintable(QStringLiteral("close code %1 may not be sent").arg(code)),
            violation(frame(0x88, closePayload(quint16(code)))));
    row("one-byte Close payload", violation(frame(0x88, QByteArray(1, '\x03'))));
    row("close reason with invalid UTF-8",
        badPayload(frame(0x88, closePayload(1000, QByteArray("bad \xff reason", 12)))));
    row("close reason with a lone surrogate",
        badPayload(frame(0x88, closePayload(1000, QByteArray("\xed\xb0\x80", 3)))));
    row("deflate: data that is not deflate",
        compressed(badPayload(frame(0xc2, QByteArray("\xff\xff\xff\xff not deflate", 16)))));
    Script deflateText = compressed(badPayload({}));
    {
        // "\xc3\x28" compressed (stored block), sent as a compressed text message.
        QByteArray stored("\x00\x02\x00\xfd\xff\xc3\x28", 7);
        deflateText.frames = frame(0xc1, stored);
    }
    row("deflate: invalid UTF-8 inside a compressed text", deflateText);
}

void tst_HostileServers::limitRows()
{
    const auto row = [](const char *name, const Script &s) { QTest::newRow(name) << s; };
    const auto limit = [](Script s) {
        s.measureMemory = true;
        return s;
    };
    row("frame above the frame limit (announced 64 MiB)",
        limit(afterUpgrade(RawFrame::header64(0x82, 64 * 1024 * 1024), E::MessageTooBig, 1009)));
    row("fragments past the message limit (4096 x 1 KiB)",
        [&] {
            Script s = limit(afterUpgrade(frame(0x00, QByteArray(1024, 'x')), E::MessageTooBig, 1009, 4096));
            s.response += frame(0x02, QByteArray(1024, 'x'));
            return s;
        }());
    Script bomb = limit(compressed(afterUpgrade({}, E::MessageTooBig, 1009)));
    bomb.frames = frame(0xc2, deflateBomb());
    row("deflate bomb (1 MiB inflating to 1 GiB)", bomb);
    Script bombFragments = limit(compressed(afterUpgrade({}, E::MessageTooBig, 1009)));
    {
        const QByteArray b = deflateBomb();
        // 2 KiB of it inflate to about 2 MB, past the limit (1 KiB inflate to 1042580 bytes).
        bombFragments.frames = frame(0x42, b.left(2048));
        for (qsizetype at = 2048; at < b.size(); at += 64 * 1024)
            bombFragments.frames += frame(at + 64 * 1024 >= b.size() ? 0x80 : 0x00, b.mid(at, 64 * 1024));
    }
    row("deflate bomb in fragments (the first, of 2 KiB, already too big)", bombFragments);
    Script pingFlood = limit(violation(frame(0x89, QByteArray(125, 'p'))));
    pingFlood.repeat = 200000;
    pingFlood.readsWhileWriting = false;
    pingFlood.tail = frame(0x81, "x", true);
    row("ping flood (200000 Pings, our Pongs not read), then a masked frame", pingFlood);
    Script messageFlood
        = limit(afterUpgrade(frame(0x82, QByteArray(1000, 'm')), E::MessageTooBig, 1009, 50000));
    messageFlood.tail = frame(0x82, QByteArray(Limit + 1, 'x'));
    row("50 MB of messages, then one above the limit", messageFlood);
    Script afterClose = limit(afterUpgrade(frame(0x82, QByteArray(60000, 'x')), E::NoError, 1000, 1000));
    afterClose.clientCloses = true;
    afterClose.readsWhileWriting = false;
    afterClose.serverGetsCloseCode = true;
    row("60 MB of data after our Close, not read until the end", afterClose);
}

void tst_HostileServers::tlsRows()
{
    const auto row = [](const char *name, Tls tls) {
        Script s;
        s.tls = tls;
        s.error = E::TlsHandshakeFailed;
        QTest::newRow(name) << s;
    };
    row("TLS: untrusted certificate", Tls::Untrusted);
    row("TLS: expired certificate", Tls::Expired);
    row("TLS: certificate for another host", Tls::WrongHost);
    row("TLS: the server answers in plain HTTP", Tls::PlainHttpServer);
    row("TLS: the server closes after the ClientHello", Tls::ServerCloses);
}

void tst_HostileServers::behaviours_data()
{
    QTest::addColumn<Script>("script");
    handshakeRows();
    timingRows();
    frameRows();
    utf8AndCloseRows();
    limitRows();
    tlsRows();
}

bool tst_HostileServers::advanceUntilError(ManualClock &clock, const Script &s,
    HostileServer &server, WebSocket &socket, const QSignalSpy &errors)
{
    switch (s.wait) {
    case Wait::None:
        return true;
    case Wait::Handshake:
        if (!QTest::qWaitFor([&] { return server.hasRequest(); }, RealTimeoutMs))
            return false;
        QTest::qWait(20); // whatever the server sent is read
        clock.advance(HandshakeTimeout - 1ms);
        if (!errors.isEmpty())
            return false; // too early
        clock.advance(1ms);
        return true;
    case Wait::Drip:
        if (!QTest::qWaitFor([&] { return server.hasRequest(); }, RealTimeoutMs))
            return false;
        for (int second = 0; second < 10; ++second) {
            if (!errors.isEmpty() || !server.dripOneByte())
                return false;
            QTest::qWait(5);
            clock.advance(1s);
        }
        return true;
    case Wait::Close:
        if (!QTest::qWaitFor([&] { return server.sawClose(); }, RealTimeoutMs))
            return false;
        clock.advance(CloseTimeout - 1ms);
        if (!errors.isEmpty())
            return false;
        clock.advance(1ms);
        return true;
    case Wait::Pong:
        if (!QTest::qWaitFor([&] { return socket.state() == WebSocket::State::Open; }, RealTimeoutMs))
            return false;
        clock.advance(KeepAlive);
        if (!QTest::qWaitFor([&] { return server.pingsReceived() > 0; }, RealTimeoutMs))
            return false;
        clock.advance(PongDeadline - 1ms);
        if (!errors.isEmpty())
            return false;
        clock.advance(1ms);
        return true;
    }
    return false;
}

void tst_HostileServers::behaviours()
{
    QFETCH(Script, script);
    const int descriptorsBefore = ProcessProbe::openDescriptors();
    {
        const QSslConfiguration tls = serverTls(script.tls);
        HostileServer server(script, tls);
        QVERIFY(server.listen());

        WebSocketOptions options;
        options.setProxy(QNetworkProxy::NoProxy);
        // The RFC 6455 handshake alone: the polling fallback (a second connection to the same
        // server after a refused upgrade) is tst_polling's.
        options.setStrategies({Strategy::Direct});
        options.setCompressionEnabled(script.compression);
        options.setSubprotocols(script.subprotocols);
        options.setMaxFrameSize(Limit);
        options.setMaxMessageSize(Limit);
        options.setHandshakeTimeout(HandshakeTimeout);
        options.setCloseTimeout(CloseTimeout);
        if (script.wait == Wait::Pong) {
            options.setKeepAliveInterval(KeepAlive);
            options.setPongDeadline(PongDeadline);
        }
        if (script.tls == Tls::Expired || script.tls == Tls::WrongHost) {
            QSslConfiguration trusting = QSslConfiguration::defaultConfiguration();
            trusting.addCaCertificate(m_certificates.ca()); // only the one error remains
            options.setSslConfiguration(trusting);
        }
        const bool secure = script.tls != Tls::None;
        const QUrl url(QStringLiteral("%1://127.0.0.1:%2/hostile")
                           .arg(secure ? QStringLiteral("wss") : QStringLiteral("ws"))
                           .arg(server.port()));

        ManualClock clock;
        auto socket = std::make_unique<WebSocket>();
        WebSocketPrivate::setClock(socket.get(), &clock);
        QSignalSpy errors(socket.get(), &WebSocket::errorOccurred);
        QSignalSpy disconnected(socket.get(), &WebSocket::disconnected);
        if (script.clientCloses) {
            connect(socket.get(), &WebSocket::connected, socket.get(),
                [s = socket.get()] { s->close(1000); });
        }
        const bool measured = script.measureMemory && ProcessProbe::resetPeakResident();
        const qint64 residentBefore = ProcessProbe::peakResidentBytes();
        const qint64 startedAt = clock.now();
        socket->open(QNetworkRequest(url), options);

        QVERIFY2(advanceUntilError(clock, script, server, *socket, errors),
            "the scripted wait did not happen as expected (or the error came too early)");
        QTRY_VERIFY_WITH_TIMEOUT(!disconnected.isEmpty(), RealTimeoutMs);
        const qint64 virtualElapsed = clock.now() - startedAt;
        const qint64 peak = ProcessProbe::peakResidentBytes();

        QCOMPARE(disconnected.size(), 1);
        QCOMPARE(socket->state(), WebSocket::State::Unconnected);
        QCOMPARE(socket->error(), script.error);
        if (script.error != E::NoError) {
            QCOMPARE(errors.size(), 1);
            QCOMPARE(errors.at(0).at(0).value<WebSocket::Error>(), script.error);
            QVERIFY(!socket->errorString().isEmpty());
        } else {
            QCOMPARE(errors.size(), 0);
        }
        qInfo("table: | %s | %s | %s | %s |", QTest::currentDataTag(),
            QMetaEnum::fromType<WebSocket::Error>().valueToKey(int(script.error)),
            script.closeCode >= 0 ? qPrintable(QString::number(script.closeCode)) : "",
            qPrintable(deadlineText(script.wait)));
        qInfo("error string: %s", qPrintable(socket->errorString().left(300)));
        if (script.closeCode >= 0)
            QCOMPARE(int(socket->closeCode()), script.closeCode);
        if (script.serverGetsCloseCode) {
            QTRY_VERIFY_WITH_TIMEOUT(server.sawClose(), RealTimeoutMs);
            QCOMPARE(server.receivedCloseCode(), script.closeCode);
        }
        // Within its deadline: virtual time moved only as far as the row's own deadline.
        QCOMPARE(virtualElapsed, qint64(deadlineOf(script.wait).count()));
        QCOMPARE(server.connections() <= 1, true); // no retry, no redirect followed
        if (measured) {
            const qint64 grown = peak - residentBefore;
            qInfo("peak resident memory grew by %lld KiB (limit %lld KiB + slack %lld KiB)",
                grown / 1024, Limit / 1024, MemorySlack / 1024);
            QVERIFY2(grown <= Limit + MemorySlack,
                qPrintable(QStringLiteral("peak RSS grew by %1 KiB").arg(grown / 1024)));
        }
        socket.reset();
        // The client closed its end: the server sees it go (unless TLS never got to accept it).
        if (server.connections() == 1 && script.tls == Tls::None)
            QTRY_VERIFY_WITH_TIMEOUT(server.clientGone(), RealTimeoutMs);
    }
    // Nothing leaked: every socket, timer fd and pipe of the row is gone.
    QTRY_COMPARE_WITH_TIMEOUT(ProcessProbe::openDescriptors(), descriptorsBefore, RealTimeoutMs);
}

void tst_HostileServers::interimResponsesBeforeThe101()
{
    // RFC 7231 §6.2: a client must parse interim (1xx) responses it did not ask for and wait for
    // the final one. A 100 Continue and a 103 Early Hints before the 101 are skipped, not taken for
    // a refusal.
    Script s;
    s.response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        + accept101();
    s.frames = frame(0x81, "after the hints");
    HostileServer server(s);
    QVERIFY(server.listen());
    WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    options.setCompressionEnabled(false);
    WebSocket socket;
    QSignalSpy texts(&socket, &WebSocket::textMessageReceived);
    socket.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.port()))),
        options);
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, RealTimeoutMs);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("after the hints"));
    QCOMPARE(socket.handshakeStatusCode(), 101);
    QCOMPARE(socket.error(), WebSocket::Error::NoError);
}

QTEST_GUILESS_MAIN(tst_HostileServers)
#include "tst_hostile_servers.moc"
