// SPDX-License-Identifier: LGPL-3.0-or-later
// The relay as a path (/relay/) of a web site served by Debian's nginx or apache2, configured with
// the snippet shipped in docs/deploy/. The front server is started by the test on a free loopback
// port with its own config in a temporary directory; the relay runs in this process. Every
// transport goes through the front server. Compiled twice: QTWS_FRONT_NGINX (tst_relay_nginx) or
// QTWS_FRONT_APACHE (tst_relay_apache).
#include "relaytest.h"

#include <qtws/relayserver.h>
#include <qtws/websocket.h>

#include <QtCore/QTemporaryDir>
#include <QtWebSockets/QWebSocket>

#include <unistd.h>

using namespace RelayTest;
using QtWs::RelayServer;
using QtWs::RelayServerOptions;

class TestClass : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void siteStillServed();
    void statusPageThroughProxy();
    void webSocketThroughProxy();
    void engineIoThroughProxy_data();
    void engineIoThroughProxy();
    void qtwsPollingThroughProxy();

private:
    bool writeConfig(
        const QString &dir, quint16 port, quint16 relayPort, QString *program, QStringList *args);

    QTemporaryDir m_dir;
    EchoServer m_backend;
    RelayServer m_relay;
    ServerProcess m_front;
    quint16 m_port = 0;
};

namespace {

// Each front server runs from a configuration of its own in the test's directory: a minimal site
// around the snippet shipped in docs/deploy/. "@DIR@", "@LISTEN@", "@USER@" and "@SNIPPET@" are
// filled in by fill().
#if defined(QTWS_FRONT_NGINX)
constexpr char FrontConfig[] = R"(worker_processes 1;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
@USER@events { worker_connections 256; }
http {
  access_log @DIR@/access.log;
  client_body_temp_path @DIR@/body;
  proxy_temp_path @DIR@/proxy;
  fastcgi_temp_path @DIR@/fastcgi;
  uwsgi_temp_path @DIR@/uwsgi;
  scgi_temp_path @DIR@/scgi;
  map $http_upgrade $qtws_connection_upgrade { default upgrade; '' ''; }
  server {
    listen @LISTEN@;
    location = /index.html { return 200 "the existing site\n"; }
@SNIPPET@
  }
}
)";
constexpr char RootUser[] = "user root;\n";
#else
constexpr char FrontConfig[] = R"(ServerRoot @DIR@
ServerName 127.0.0.1
Listen @LISTEN@
PidFile @DIR@/httpd.pid
DefaultRuntimeDir @DIR@
ErrorLog @DIR@/error.log
LogLevel warn
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule proxy_wstunnel_module /usr/lib/apache2/modules/mod_proxy_wstunnel.so
@USER@DocumentRoot @DIR@/htdocs
<Directory @DIR@/htdocs>
  Require all granted
</Directory>
@SNIPPET@
)";
constexpr char RootUser[] = "User nobody\nGroup nogroup\n";
#endif

QByteArray fill(const QString &dir, quint16 port, const QByteArray &snippet)
{
    QByteArray conf(FrontConfig);
    // Run as root (CI), the servers want an unprivileged user for their workers.
    conf.replace("@DIR@", dir.toUtf8())
        .replace("@LISTEN@", QByteArray("127.0.0.1:" + QByteArray::number(port)))
        .replace("@USER@", ::geteuid() == 0 ? QByteArray(RootUser) : QByteArray());
    return conf.replace("@SNIPPET@", snippet); // last: the snippet is not a template
}

} // namespace

bool TestClass::writeConfig(
    const QString &dir, quint16 port, quint16 relayPort, QString *program, QStringList *args)
{
    const QByteArray relay = "127.0.0.1:" + QByteArray::number(relayPort);
#if defined(QTWS_FRONT_NGINX)
    const QString snippetPath = QStringLiteral(QTWS_SOURCE_DIR "/docs/deploy/nginx-relay.conf");
    const QString confPath = dir + QStringLiteral("/nginx.conf");
    *program = QStringLiteral("/usr/sbin/nginx");
    *args = {QStringLiteral("-p"), dir, QStringLiteral("-c"), confPath, QStringLiteral("-g"),
        QStringLiteral("daemon off;")};
#else
    const QString snippetPath = QStringLiteral(QTWS_SOURCE_DIR "/docs/deploy/apache-relay.conf");
    const QString confPath = dir + QStringLiteral("/httpd.conf");
    *program = QStringLiteral("/usr/sbin/apache2");
    *args = {QStringLiteral("-f"), confPath, QStringLiteral("-DFOREGROUND")};
    QDir(dir).mkpath(QStringLiteral("htdocs"));
    QFile index(dir + QStringLiteral("/htdocs/index.html"));
    if (!index.open(QIODevice::WriteOnly) || index.write("the existing site\n") < 0)
        return false;
    index.close();
    QFile(dir).setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner
        | QFileDevice::ExeOwner | QFileDevice::ReadOther | QFileDevice::ExeOther);
#endif
    const QByteArray snippet = instantiate(snippetPath, {{"RELAY", relay}});
    if (snippet.isEmpty())
        return false;
    const QByteArray conf = fill(dir, port, snippet);
    QFile f(confPath);
    return f.open(QIODevice::WriteOnly) && f.write(conf) == conf.size();
}

void TestClass::initTestCase()
{
#if defined(QTWS_FRONT_NGINX)
    const QString binary = QStringLiteral("/usr/sbin/nginx");
#else
    const QString binary = QStringLiteral("/usr/sbin/apache2");
#endif
    if (!QFile::exists(binary))
        QSKIP(qPrintable(
            binary + QStringLiteral(" is not installed (scripts/install-deps.sh installs it)")));
    QVERIFY(QFile::exists(QStringLiteral(QTWS_NODE_EXECUTABLE)));
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.listen());
    RelayServerOptions o;
    o.setBackendUrl(QUrl(m_backend.url()));
    o.setPathPrefix(QStringLiteral("/relay"));
    o.setInstanceName(QStringLiteral("behind-front-proxy"));
    m_relay.setOptions(o);
    QVERIFY(m_relay.listen(QHostAddress::LocalHost, 0));

    m_port = freePort();
    QVERIFY(m_port);
    QString program;
    QStringList args;
    QVERIFY(writeConfig(m_dir.path(), m_port, m_relay.serverPort(), &program, &args));
    QVERIFY(m_front.start(program, args, m_dir.path()));
    const bool up = waitForHttp(m_port, "/index.html", 200);
    if (!up) {
        QFile log(m_dir.path() + QStringLiteral("/error.log"));
        (void)log.open(QIODevice::ReadOnly);
        QFAIL(qPrintable(QStringLiteral("front server did not come up:\n")
            + QString::fromUtf8(m_front.output()) + QString::fromUtf8(log.readAll())));
    }
}

void TestClass::cleanupTestCase()
{
    m_front.stop();
}

void TestClass::siteStillServed()
{
    const RawResponse r = exchange(m_port, "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QCOMPARE(r.head.statusCode, 200);
    QCOMPARE(r.body, QByteArray("the existing site\n"));
}

void TestClass::statusPageThroughProxy()
{
    const RawResponse r = exchange(m_port, "GET /relay/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QCOMPARE(r.head.statusCode, 200);
    QVERIFY2(r.body.startsWith("qtws-relay "), r.body.constData());
    QVERIFY(r.body.contains("instance: behind-front-proxy"));
}

void TestClass::webSocketThroughProxy()
{
    QSignalSpy sessionDisconnected(&m_relay, &RelayServer::sessionDisconnected);
    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QByteArray echoed;
    connect(&ws, &QWebSocket::binaryMessageReceived, this,
        [&echoed](const QByteArray &m) { echoed += m; });
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/relay/").arg(m_port)));
    QVERIFY2(connected.wait(10000), qPrintable(ws.errorString()));
    QByteArray sent;
    for (int i = 0; i < 20; ++i) {
        const QByteArray m = "message " + QByteArray::number(i) + ';';
        sent += m;
        ws.sendTextMessage(QString::fromLatin1(m));
    }
    QTRY_COMPARE(echoed, sent);
    ws.close(QWebSocketProtocol::CloseCode(4003), QStringLiteral("through the proxy"));
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(4003));
}

void TestClass::engineIoThroughProxy_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addRow("polling") << QStringLiteral("polling");
    QTest::addRow("polling upgraded to websocket") << QStringLiteral("upgrade");
    QTest::addRow("websocket") << QStringLiteral("websocket");
}

void TestClass::engineIoThroughProxy()
{
    QFETCH(QString, mode);
    QSignalSpy sessionDisconnected(&m_relay, &RelayServer::sessionDisconnected);
    QByteArray output;
    const int rc
        = runNode(QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_engineio/eio-client.js"),
            {QStringLiteral("http://127.0.0.1:%1").arg(m_port), QStringLiteral("/relay/engine.io/"),
                mode, QStringLiteral("echo-tcp"), QStringLiteral("0")},
            &output);
    QVERIFY2(rc == 0, output.constData());
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(1000));
}

void TestClass::qtwsPollingThroughProxy()
{
    // QtWs::WebSocket's polling fallback to the relay's Engine.IO endpoint under /relay/.
    QSignalSpy sessionDisconnected(&m_relay, &RelayServer::sessionDisconnected);
    QtWs::WebSocketOptions options;
    options.setProxy(QNetworkProxy::NoProxy);
    options.setStrategies({QtWs::Strategy::Polling});
    options.setPollingEndpoint(
        QUrl(QStringLiteral("http://127.0.0.1:%1/relay/engine.io/").arg(m_port)));
    QtWs::WebSocket ws;
    QSignalSpy connected(&ws, &QtWs::WebSocket::connected);
    QSignalSpy disconnected(&ws, &QtWs::WebSocket::disconnected);
    QByteArray echoed;
    connect(&ws, &QtWs::WebSocket::binaryMessageReceived, this,
        [&echoed](const QByteArray &m) { echoed += m; });
    ws.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/relay/").arg(m_port))), options);
    QVERIFY2(connected.wait(10000), qPrintable(ws.errorString()));
    QCOMPARE(ws.connectReport().strategy(), QtWs::Strategy::Polling);
    QByteArray sent;
    for (int i = 0; i < 20; ++i) {
        const QByteArray m = "polled " + QByteArray::number(i) + ';';
        sent += m;
        ws.sendBinaryMessage(m);
    }
    QTRY_COMPARE(echoed, sent);
    ws.close(4004, QStringLiteral("polled through the proxy"));
    QVERIFY(disconnected.wait(10000));
    QTRY_COMPARE(sessionDisconnected.size(), 1);
    QCOMPARE(sessionDisconnected.at(0).at(1).value<quint16>(), quint16(4004));
}

QTEST_MAIN(TestClass)
#include "tst_relay_frontproxy.moc"
