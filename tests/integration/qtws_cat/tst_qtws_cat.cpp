// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-cat as a process: --exchange success and every failure exit code with its one-line reason,
// --echo (the conformance client mode), stdin lines, -v, --demo, usage errors. The servers run in
// this process on loopback; the proxy options are tested through real proxies in
// tst_qtws_cat_proxies.
#include "echoserver.h"
#include "testcertificates.h"
#include "toolprocess.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <algorithm>

namespace {

struct Received
{
    bool text;
    QByteArray payload;
};

// Behaviour by path: /echo echoes; /silent never answers; /close-now closes with 4000 at once;
// /push sends three messages, then closes with 1000 once all three came back.
class Server : public QObject
{
public:
    Server()
        : server(QStringLiteral("qtws-cat-test"), QWebSocketServer::NonSecureMode)
    {
        connect(&server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *peer = server.nextPendingConnection()) {
                peer->setParent(this);
                const QString path = peer->requestUrl().path();
                connect(peer, &QWebSocket::disconnected, peer, [this, peer] {
                    closeCodes.append(int(peer->closeCode()));
                    peer->deleteLater();
                });
                connect(peer, &QWebSocket::textMessageReceived, peer,
                    [this, peer, path](const QString &m) {
                        received.append({true, m.toUtf8()});
                        if (path == QLatin1String("/echo"))
                            peer->sendTextMessage(m);
                        maybeFinishPush(peer, path);
                    });
                connect(peer, &QWebSocket::binaryMessageReceived, peer,
                    [this, peer, path](const QByteArray &m) {
                        received.append({false, m});
                        if (path == QLatin1String("/echo"))
                            peer->sendBinaryMessage(m);
                        maybeFinishPush(peer, path);
                    });
                if (path == QLatin1String("/close-now")) {
                    peer->close(QWebSocketProtocol::CloseCode(4000), QStringLiteral("go away"));
                } else if (path == QLatin1String("/push")) {
                    peer->sendTextMessage(QStringLiteral("first"));
                    peer->sendBinaryMessage(QByteArray("\x00\x01\x02", 3));
                    peer->sendTextMessage(QStringLiteral("thïrd"));
                }
            }
        });
    }
    void maybeFinishPush(QWebSocket *peer, const QString &path)
    {
        if (path == QLatin1String("/push") && received.size() == 3)
            peer->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("all echoed"));
    }
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(server.serverPort()).arg(path));
    }

    QWebSocketServer server;
    QList<Received> received;
    QList<int> closeCodes;
};

using Run = QtWs::Test::ToolRun;

} // namespace

class tst_QtwsCat : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void exchangeText();
    void exchangeBinary();
    void exchangeVerbose();
    void failures_data();
    void failures();
    void echo_data();
    void echo();
    void stdinLines();
    void demo();
    void tlsCaFile();
    void help();

private:
    Run run(const QStringList &args, const QByteArray &stdinData = {}, bool closeStdin = true);

    Server m_server;
    QTemporaryDir m_dir;
    QtWs::Test::FixedAnswerServer m_http404; // 404 to every request
    QTcpServer m_mute; // accepts (the kernel does) and never answers
    quint16 m_closedPort = 0;
};

void tst_QtwsCat::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(QTWS_CAT_EXECUTABLE)));
    QVERIFY(m_server.server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(m_http404.listen());
    QVERIFY(m_mute.listen(QHostAddress::LocalHost, 0));
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_closedPort = probe.serverPort();
}

Run tst_QtwsCat::run(const QStringList &args, const QByteArray &stdinData, bool closeStdin)
{
    // No proxy in the environment: the default configuration then says DIRECT.
    return QtWs::Test::runTool(QStringLiteral(QTWS_CAT_EXECUTABLE), args,
        QtWs::Test::environmentWithoutProxies(), stdinData, !closeStdin, std::chrono::seconds(30));
}

void tst_QtwsCat::exchangeText()
{
    const qsizetype before = m_server.closeCodes.size();
    const Run r = run({QStringLiteral("--no-proxy"), QStringLiteral("--exchange"),
        QStringLiteral("hello ✓"), m_server.url(QStringLiteral("/echo")).toString()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QStringLiteral("hello ✓\n").toUtf8());
    QCOMPARE(r.err, QByteArray());
    QTRY_COMPARE(m_server.closeCodes.size(), before + 1);
    QCOMPARE(m_server.closeCodes.last(), 1000); // closed cleanly
}

void tst_QtwsCat::exchangeBinary()
{
    // No proxy option: the system configuration decides, and for a loopback server it says DIRECT.
    const Run r = run({QStringLiteral("--binary"), QStringLiteral("--exchange"),
        QStringLiteral("raw bytes"), m_server.url(QStringLiteral("/echo")).toString()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QByteArray("raw bytes"));
    QVERIFY(!m_server.received.isEmpty());
    QCOMPARE(m_server.received.last().text, false);
}

void tst_QtwsCat::exchangeVerbose()
{
    const Run r = run({QStringLiteral("-v"), QStringLiteral("--no-proxy"),
        QStringLiteral("--protocol"), QStringLiteral("chat"), QStringLiteral("--header"),
        QStringLiteral("X-Test: yes"), QStringLiteral("--origin"),
        QStringLiteral("https://origin.test"), QStringLiteral("--exchange"), QStringLiteral("v"),
        m_server.url(QStringLiteral("/echo")).toString()});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains("> Sec-WebSocket-Key: "), r.err.constData());
    QVERIFY(r.err.contains("> Sec-WebSocket-Protocol: chat"));
    QVERIFY(r.err.contains("> X-Test: yes"));
    QVERIFY(r.err.contains("> Origin: https://origin.test"));
    QVERIFY(r.err.contains("< HTTP 101"));
    QVERIFY(r.err.contains("< Sec-WebSocket-Accept: "));
}

void tst_QtwsCat::failures_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("reason"); // alternatives separated by '|'
    const QString echo = m_server.url(QStringLiteral("/echo")).toString();
    const QString ex = QStringLiteral("--exchange");
    const QString np = QStringLiteral("--no-proxy");
    QTest::addRow("rainy: connection refused") << QStringList {np, ex, QStringLiteral("x"),
        QStringLiteral("ws://127.0.0.1:%1/").arg(m_closedPort)}
                                               << 4 << QByteArray("Connection refused");
    QTest::addRow("rainy: connection refused, default configuration (loopback: DIRECT)")
        << QStringList {ex, QStringLiteral("x"),
               QStringLiteral("ws://127.0.0.1:%1/").arg(m_closedPort)}
        << 4 << QByteArray("Connection refused");
    QTest::addRow("rainy: 404 from a web server") << QStringList {np, ex, QStringLiteral("x"),
        QStringLiteral("ws://127.0.0.1:%1/").arg(m_http404.port())}
                                                  << 6 << QByteArray("404 Not Found");
    QTest::addRow("rainy: closed before any message")
        << QStringList {np, ex, QStringLiteral("x"),
               m_server.url(QStringLiteral("/close-now")).toString()}
        << 1 << QByteArray("before sending a message");
    QTest::addRow("rainy: no answer within --timeout")
        << QStringList {np, QStringLiteral("--timeout"), QStringLiteral("300"), ex,
               QStringLiteral("x"), m_server.url(QStringLiteral("/silent")).toString()}
        << 7 << QByteArray("no message received within 300 ms");
    QTest::addRow("rainy: --timeout while connecting (a server that never answers)")
        << QStringList {np, QStringLiteral("--timeout"), QStringLiteral("300"), ex,
               QStringLiteral("x"), QStringLiteral("ws://127.0.0.1:%1/").arg(m_mute.serverPort())}
        // The attempt's deadline or the connect deadline, whichever fires first.
        << 7 << QByteArray("waiting for the answer to the upgrade request|within 300 ms");
    QTest::addRow("rainy: not a WebSocket URL")
        << QStringList {np, ex, QStringLiteral("x"), QStringLiteral("http://127.0.0.1/")} << 2
        << QByteArray("not a ws:// or wss:// URL");
    QTest::addRow("rainy: bad --header") << QStringList {np, QStringLiteral("--header"),
        QStringLiteral("nocolon"), ex, QStringLiteral("x"), echo}
                                         << 2 << QByteArray("Name: value");
    QTest::addRow("rainy: reserved --header") << QStringList {np, QStringLiteral("--header"),
        QStringLiteral("Sec-WebSocket-Key: x"), ex, QStringLiteral("x"), echo}
                                              << 2 << QByteArray("set by the WebSocket handshake");
    QTest::addRow("rainy: --ca-file without certificates") << QStringList {np,
        QStringLiteral("--ca-file"), QStringLiteral("/nonexistent.pem"), ex, QStringLiteral("x"),
        echo} << 2 << QByteArray("no PEM certificate");
    QTest::addRow("rainy: unknown option")
        << QStringList {QStringLiteral("--frobnicate"), echo} << 2 << QByteArray("frobnicate");
    QTest::addRow("rainy: two URLs") << QStringList {echo, echo} << 2 << QByteArray("one URL");
    QTest::addRow("rainy: unknown strategy")
        << QStringList {QStringLiteral("--strategies"), QStringLiteral("connect,teleport"), echo}
        << 2 << QByteArray("unknown strategy 'teleport' (known: direct, socks, connect, get");
    QTest::addRow("rainy: empty strategy list") << QStringList {QStringLiteral("--strategies"),
        QString(), echo} << 2 << QByteArray("unknown strategy ''");
    QTest::addRow("rainy: --proxy with an unknown scheme")
        << QStringList {QStringLiteral("--proxy"), QStringLiteral("ftp://u:secret@127.0.0.1:21"),
               echo}
        << 2
        << QByteArray("--proxy: invalid proxy 'ftp://***@127.0.0.1:21': unsupported proxy scheme");
    QTest::addRow("rainy: --proxy without a host") << QStringList {QStringLiteral("--proxy"),
        QStringLiteral("http://:3128"), echo} << 2 << QByteArray("not a URL with a host");
    QTest::addRow("rainy: --proxy and --no-proxy") << QStringList {QStringLiteral("--proxy"),
        QStringLiteral("http://127.0.0.1:3128"), np, echo}
                                                   << 2 << QByteArray("exclude each other");
    QTest::addRow("rainy: --pac and --proxy")
        << QStringList {QStringLiteral("--pac"), QStringLiteral("data:,x"),
               QStringLiteral("--proxy"), QStringLiteral("http://127.0.0.1:3128"), echo}
        << 2 << QByteArray("exclude each other");
    QTest::addRow("rainy: --pac file missing")
        << QStringList {QStringLiteral("--pac"), QStringLiteral("/nonexistent/proxy.pac"), echo}
        << 2 << QByteArray("no PAC file at /nonexistent/proxy.pac");
    QTest::addRow("rainy: --pac with another scheme")
        << QStringList {QStringLiteral("--pac"), QStringLiteral("ftp://127.0.0.1/proxy.pac"), echo}
        << 2 << QByteArray("not a file:, data:, http: or https: URL");
    QTest::addRow("rainy: negative --race") << QStringList {QStringLiteral("--race"),
        QStringLiteral("-1"), echo} << 2 << QByteArray("--race expects");
    QTest::addRow("rainy: --timeout 0") << QStringList {QStringLiteral("--timeout"),
        QStringLiteral("0"), echo} << 2 << QByteArray("--timeout expects");
    QTest::addRow("rainy: no applicable strategy (connect only, DIRECT decided)") << QStringList {
        np, QStringLiteral("--strategies"), QStringLiteral("connect"), ex, QStringLiteral("x"),
        echo} << 3 << QByteArray("No enabled strategy applies");
}

void tst_QtwsCat::failures()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, reason);
    const Run r = run(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.startsWith("qtws-cat: "), r.err.constData());
    const QList<QByteArray> alternatives = reason.split('|');
    QVERIFY2(std::any_of(alternatives.cbegin(), alternatives.cend(),
                 [&r](const QByteArray &a) { return r.err.contains(a); }),
        r.err.constData());
    QCOMPARE(r.err.count('\n'), 1); // one line
    QVERIFY(r.out.isEmpty());
}

void tst_QtwsCat::echo_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("serverCode");
    QTest::addRow("happy: echo until the server closes") << QStringLiteral("/push") << 1000;
    QTest::addRow("happy: server closes at once with 4000") << QStringLiteral("/close-now") << 4000;
}

void tst_QtwsCat::echo()
{
    QFETCH(QString, path);
    QFETCH(int, serverCode);
    m_server.received.clear();
    const Run r = run(
        {QStringLiteral("--no-proxy"), QStringLiteral("--echo"), m_server.url(path).toString()}, {},
        false);
    QCOMPARE(r.exitCode, 0);
    if (serverCode == 1000) {
        QCOMPARE(m_server.received.size(), 3);
        QCOMPARE(m_server.received.at(0).text, true);
        QCOMPARE(m_server.received.at(0).payload, QByteArray("first"));
        QCOMPARE(m_server.received.at(1).text, false);
        QCOMPARE(m_server.received.at(1).payload, QByteArray("\x00\x01\x02", 3));
        QCOMPARE(m_server.received.at(2).payload, QStringLiteral("thïrd").toUtf8());
    }
}

void tst_QtwsCat::stdinLines()
{
    m_server.received.clear();
    const qsizetype before = m_server.closeCodes.size();
    const Run r
        = run({QStringLiteral("--no-proxy"), m_server.url(QStringLiteral("/silent")).toString()},
            "one\ntwo\r\nthree");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(m_server.received.size(), 3);
    QCOMPARE(m_server.received.at(0).payload, QByteArray("one"));
    QCOMPARE(m_server.received.at(1).payload, QByteArray("two"));
    QCOMPARE(m_server.received.at(2).payload, QByteArray("three"));
    QTRY_COMPARE(m_server.closeCodes.size(), before + 1);
    QCOMPARE(m_server.closeCodes.last(), 1000);
}

void tst_QtwsCat::demo()
{
    const Run r = run({QStringLiteral("--demo")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("handshake: HTTP 101"), r.out.constData());
    QVERIFY(r.out.contains("closed cleanly: the server answered 1000"));
    QVERIFY2(r.out.contains("extensions \"permessage-deflate"), r.out.constData());
    QVERIFY(r.out.contains("demo finished"));
    QVERIFY(r.err.isEmpty());
}

void tst_QtwsCat::tlsCaFile()
{
    // A throwaway CA and a server certificate for 127.0.0.1 (openssl CLI, this run only).
    QVERIFY(m_dir.isValid());
    const auto s = [](const char *text) { return QString::fromLatin1(text); };
    QtWs::Test::TestCertificates certificates;
    QVERIFY2(certificates.generate(m_dir.path()), qPrintable(certificates.errorString()));
    const QSslConfiguration ssl = certificates.serverConfiguration();
    QWebSocketServer secure(s("qtws-cat-tls"), QWebSocketServer::SecureMode);
    secure.setSslConfiguration(ssl);
    QVERIFY(secure.listen(QHostAddress::LocalHost, 0));
    connect(&secure, &QWebSocketServer::newConnection, this, [&secure] {
        while (QWebSocket *peer = secure.nextPendingConnection()) {
            peer->setParent(&secure);
            connect(peer, &QWebSocket::textMessageReceived, peer,
                [peer](const QString &m) { peer->sendTextMessage(m); });
        }
    });
    const QString url = QStringLiteral("wss://127.0.0.1:%1/").arg(secure.serverPort());

    const Run untrusted = run({s("--no-proxy"), s("--exchange"), s("secret"), url});
    QCOMPARE(untrusted.exitCode, 5);
    QVERIFY2(untrusted.err.contains("certificate"), untrusted.err.constData());
    QCOMPARE(untrusted.err.count('\n'), 1);

    const Run trusted = run({s("--no-proxy"), s("--ca-file"), certificates.caPath(),
        s("--exchange"), s("secret"), url});
    QCOMPARE(trusted.exitCode, 0);
    QCOMPARE(trusted.out, QByteArray("secret\n"));
}

void tst_QtwsCat::help()
{
    const Run r = run({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    // Every exit status, and every proxy option, is documented; the 0.1 wording is gone.
    for (const char *line : {"  0  success", "  1  another failure", "  2  usage", "  3  proxy",
             "  4  connection", "  5  TLS", "  6  handshake", "  7  timeout", "--proxy <URL>",
             "--pac <URL|FILE>", "--no-proxy", "--strategies <LIST>", "--race <MS>",
             "--report-json <FILE>", "--ca-file <F>", "by default the system configuration"})
        QVERIFY2(r.out.contains(line), line);
    QVERIFY(!r.out.contains("required"));
    QVERIFY(!r.out.contains("until proxy resolution lands"));
}

QTEST_GUILESS_MAIN(tst_QtwsCat)
#include "tst_qtws_cat.moc"
