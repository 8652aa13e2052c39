// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/relayserver.h>
#include <qtws/relayserveroptions.h>

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using QtWs::RelayServer;
using QtWs::RelayServerOptions;
using namespace std::chrono_literals;

class tst_RelayServerOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void validate_data();
    void validate();
    void pathPrefix_data();
    void pathPrefix();
    void valueSemantics();
    void moveAndSwap();
    void listenRefusesInvalidOptions();
};

void tst_RelayServerOptions::defaults()
{
    const RelayServerOptions o;
    QCOMPARE(o.pathPrefix(), QStringLiteral("/"));
    QVERIFY(o.allowedOrigins().isEmpty());
    QVERIFY(o.token().isEmpty());
    QVERIFY(!o.isTlsEnabled());
    QCOMPARE(o.maxPayload(), RelayServerOptions::DefaultMaxPayload);
    QCOMPARE(o.maxQueuedBytes(), RelayServerOptions::DefaultMaxQueuedBytes);
    QCOMPARE(o.maxSessions(), RelayServerOptions::DefaultMaxSessions);
    QCOMPARE(o.maxRequestHeadBytes(), RelayServerOptions::DefaultMaxRequestHeadBytes);
    QCOMPARE(o.pingInterval(), RelayServerOptions::DefaultPingInterval);
    QCOMPARE(o.pingTimeout(), RelayServerOptions::DefaultPingTimeout);
    QCOMPARE(o.requestTimeout(), RelayServerOptions::DefaultRequestTimeout);
    QCOMPARE(o.backendTimeout(), RelayServerOptions::DefaultBackendTimeout);
    QCOMPARE(o.backendSslConfiguration(), QSslConfiguration::defaultConfiguration());
    QVERIFY(!o.validate().isEmpty()); // no backend yet
}

void tst_RelayServerOptions::validate_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>("valid");
    QTest::addRow("ws") << QStringLiteral("ws://127.0.0.1:9000/chat") << true;
    QTest::addRow("wss") << QStringLiteral("wss://example.org/") << true;
    QTest::addRow("tcp") << QStringLiteral("tcp://127.0.0.1:7000") << true;
    QTest::addRow("tcp without port") << QStringLiteral("tcp://127.0.0.1") << false;
    QTest::addRow("http") << QStringLiteral("http://127.0.0.1:80/") << false;
    QTest::addRow("no host") << QStringLiteral("ws:///x") << false;
    QTest::addRow("empty") << QString() << false;
}

void tst_RelayServerOptions::validate()
{
    QFETCH(QString, backend);
    QFETCH(bool, valid);
    RelayServerOptions o;
    o.setBackendUrl(QUrl(backend));
    QCOMPARE(o.validate().isEmpty(), valid);
    if (valid) {
        o.setMaxSessions(0);
        QVERIFY(!o.validate().isEmpty());
        o.setMaxSessions(1);
        o.setPingTimeout(-1ms);
        QVERIFY(!o.validate().isEmpty());
        o.setPingTimeout(1ms);
        o.setBackendTimeout(0ms);
        QVERIFY(!o.validate().isEmpty());
    }
}

void tst_RelayServerOptions::pathPrefix_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("normalised");
    QTest::addRow("root") << QStringLiteral("/") << QStringLiteral("/");
    QTest::addRow("no slash") << QStringLiteral("relay") << QStringLiteral("/relay");
    QTest::addRow("trailing slashes") << QStringLiteral("/relay//") << QStringLiteral("/relay");
    QTest::addRow("nested") << QStringLiteral("/a/b/") << QStringLiteral("/a/b");
    QTest::addRow("empty") << QString() << QStringLiteral("/");
}

void tst_RelayServerOptions::pathPrefix()
{
    QFETCH(QString, input);
    QFETCH(QString, normalised);
    RelayServerOptions o;
    o.setPathPrefix(input);
    QCOMPARE(o.pathPrefix(), normalised);
}

void tst_RelayServerOptions::valueSemantics()
{
    RelayServerOptions a;
    a.setBackendUrl(QUrl(QStringLiteral("tcp://127.0.0.1:1")));
    RelayServerOptions b = a;
    QCOMPARE(a, b);
    b.setToken(QStringLiteral("t"));
    QVERIFY(a != b);
    QVERIFY(a.token().isEmpty()); // copy on write
    b = a;
    b.setAllowedOrigins({QStringLiteral("https://app.example")});
    QVERIFY(a != b);

    // Equal values compare equal without sharing; every setter takes part in ==.
    RelayServerOptions c;
    c.setBackendUrl(QUrl(QStringLiteral("tcp://127.0.0.1:1")));
    QCOMPARE(c, a);
    c.setPingInterval(1s);
    QVERIFY(c != a);
    c = a;
    c.setBackendSslConfiguration(QSslConfiguration::defaultConfiguration());
    QCOMPARE(c, a); // set to what the default is
}

void tst_RelayServerOptions::moveAndSwap()
{
    RelayServerOptions a;
    a.setToken(QStringLiteral("a"));
    RelayServerOptions b;
    b.setToken(QStringLiteral("b"));
    a.swap(b);
    QCOMPARE(a.token(), QStringLiteral("b"));
    QCOMPARE(b.token(), QStringLiteral("a"));
    RelayServerOptions moved(std::move(a));
    QCOMPARE(moved.token(), QStringLiteral("b"));
    a = std::move(b);
    QCOMPARE(a.token(), QStringLiteral("a"));
}

void tst_RelayServerOptions::listenRefusesInvalidOptions()
{
    RelayServer relay;
    QSignalSpy errors(&relay, &RelayServer::errorOccurred);
    QVERIFY(!relay.listen());
    QCOMPARE(relay.error(), RelayServer::Error::InvalidOptions);
    QVERIFY(relay.errorString().contains(QLatin1String("backend")));
    QCOMPARE(errors.size(), 1);
    QVERIFY(!relay.isListening());
}

QTEST_MAIN(tst_RelayServerOptions)
#include "tst_relayserveroptions.moc"
