// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/websocketoptions.h>

#include <QtTest/QtTest>

#include <functional>

using QtWs::WebSocketOptions;
using namespace std::chrono_literals;

class tst_WebSocketOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void setters_data();
    void setters();
};

void tst_WebSocketOptions::defaults()
{
    const WebSocketOptions o;
    // Safe by default: no silent proxy decision, nothing ignored in TLS, finite limits and
    // timeouts.
    QCOMPARE(o.proxy().type(), QNetworkProxy::DefaultProxy);
    QCOMPARE(o.sslConfiguration(), QSslConfiguration::defaultConfiguration());
    QCOMPARE(o.maxFrameSize(), WebSocketOptions::DefaultMaxFrameSize);
    QCOMPARE(o.maxMessageSize(), WebSocketOptions::DefaultMaxMessageSize);
    QCOMPARE(o.maxQueuedOutgoingBytes(), WebSocketOptions::DefaultMaxQueuedOutgoingBytes);
    QCOMPARE(o.connectTimeout(), WebSocketOptions::DefaultConnectTimeout);
    QCOMPARE(o.handshakeTimeout(), WebSocketOptions::DefaultHandshakeTimeout);
    QCOMPARE(o.closeTimeout(), WebSocketOptions::DefaultCloseTimeout);
    QCOMPARE(o.keepAliveInterval(), 0ms);
    QVERIFY(o.isCompressionEnabled());
    QCOMPARE(o.clientMaxWindowBits(), 15);
    QCOMPARE(o.serverMaxWindowBits(), 15);
    QVERIFY(o.subprotocols().isEmpty());
    QVERIFY(o.extraHeaders().isEmpty());
    QVERIFY(o.origin().isEmpty());
    QCOMPARE(o, WebSocketOptions());
}

using Mutator = std::function<void(WebSocketOptions &)>;

void tst_WebSocketOptions::setters_data()
{
    QTest::addColumn<Mutator>("mutate");
    QTest::addRow("subprotocols") << Mutator(
        [](auto &o) { o.setSubprotocols({QStringLiteral("chat")}); });
    QTest::addRow("extra header") << Mutator([](auto &o) { o.addExtraHeader("X-A", "1"); });
    QTest::addRow("origin") << Mutator(
        [](auto &o) { o.setOrigin(QStringLiteral("https://a.example")); });
    QTest::addRow("max frame") << Mutator([](auto &o) { o.setMaxFrameSize(1); });
    QTest::addRow("max message") << Mutator([](auto &o) { o.setMaxMessageSize(1); });
    QTest::addRow("max queued") << Mutator([](auto &o) { o.setMaxQueuedOutgoingBytes(1); });
    QTest::addRow("connect timeout") << Mutator([](auto &o) { o.setConnectTimeout(1ms); });
    QTest::addRow("handshake timeout") << Mutator([](auto &o) { o.setHandshakeTimeout(1ms); });
    QTest::addRow("close timeout") << Mutator([](auto &o) { o.setCloseTimeout(1ms); });
    QTest::addRow("keep-alive") << Mutator([](auto &o) { o.setKeepAliveInterval(1ms); });
    QTest::addRow("pong deadline") << Mutator([](auto &o) { o.setPongDeadline(1ms); });
    QTest::addRow("compression") << Mutator([](auto &o) { o.setCompressionEnabled(false); });
    QTest::addRow("client no context")
        << Mutator([](auto &o) { o.setClientNoContextTakeover(true); });
    QTest::addRow("server no context")
        << Mutator([](auto &o) { o.setServerNoContextTakeover(true); });
    QTest::addRow("client window") << Mutator([](auto &o) { o.setClientMaxWindowBits(9); });
    QTest::addRow("server window") << Mutator([](auto &o) { o.setServerMaxWindowBits(9); });
    QTest::addRow("proxy") << Mutator([](auto &o) { o.setProxy(QNetworkProxy::NoProxy); });
    QTest::addRow("ssl") << Mutator([](auto &o) {
        QSslConfiguration c = o.sslConfiguration();
        c.setPeerVerifyDepth(3);
        o.setSslConfiguration(c);
    });
}

void tst_WebSocketOptions::setters()
{
    QFETCH(Mutator, mutate);
    const WebSocketOptions original;
    WebSocketOptions copy = original;
    QCOMPARE(copy, original);
    mutate(copy);
    // Every field takes part in operator== and detaches: the original is untouched.
    QVERIFY(copy != original);
    QCOMPARE(original, WebSocketOptions());
    WebSocketOptions again;
    mutate(again);
    QCOMPARE(again, copy);
    WebSocketOptions moved = std::move(again);
    QCOMPARE(moved, copy);
}

QTEST_GUILESS_MAIN(tst_WebSocketOptions)
#include "tst_websocketoptions.moc"
