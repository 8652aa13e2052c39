// SPDX-License-Identifier: LGPL-3.0-or-later
// QtWs::WebSocket through proxies that misbehave on purpose (issue 12, "Hostile peers"): every
// misbehaviour of tests/support/scriptedproxy (the strategies issue's list: 200 then garbage, 407
// loops, 501 to OPTIONS, a stripped Upgrade, silence after CONNECT, a close mid-reply, a huge reply
// head, an HTTP/1.0 reply, a 101 that relays nothing, SOCKS5 refusals of every reply code, ...)
// against the strategies it concerns. Each row says the typed error the client must end with and
// the virtual time (ManualClock) it may take; the test also checks that no descriptor is left
// behind. Each row prints a "table:" line for docs/reliability.md (scripts/hostile-table.sh).
#include <qtws/proxycandidate.h>
#include <qtws/proxyconfiguration.h>
#include <qtws/strategycache.h>
#include <qtws/websocket.h>

#include "client/websocket_p.h"
#include "connect/connectmemory.h"
#include "hostilepeer.h"
#include "manualclock.h"
#include "scriptedproxy.h"
#include "testcertificates.h"

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslServer>
#include <QtTest/QtTest>

using namespace QtWs;
using namespace QtWs::Test;
using namespace std::chrono_literals;

namespace {

using B = ScriptedProxy::Behaviour;
using E = WebSocket::Error;

constexpr auto AttemptTimeout = 10s;
constexpr int RealTimeoutMs = 20000;

const QList<Strategy> Connect {Strategy::ConnectTunnel};
const QList<Strategy> Get {Strategy::ForwardedUpgrade};
const QList<Strategy> Options {Strategy::OptionsUpgrade};
const QList<Strategy> Socks {Strategy::SocksTunnel};
const QList<Strategy> AllHttp {
    Strategy::ConnectTunnel, Strategy::ForwardedUpgrade, Strategy::OptionsUpgrade};

enum class Origin { Plain, UntrustedTls };

struct ProxyRow
{
    B behaviour = B::Forward;
    QList<Strategy> strategies;
    bool secure = false; // wss://
    qint64 dropAfterBytes = -1;
    QString user; // credentials the client has for the proxy
    QString password;
    QString requiredUser; // credentials the proxy wants
    QString requiredPassword;
    int socksReply = 0;
    Origin origin = Origin::Plain;
    bool proxyDown = false; // nothing listens on the proxy's port
    int timedOutAttempts = 0; // attempts that end at their deadline (virtual time)
    E error = E::NoError;
};

} // namespace

Q_DECLARE_METATYPE(ProxyRow)

class tst_HostileProxies : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void misbehaviours_data();
    void misbehaviours();

private:
    QTemporaryDir m_dir;
    TestCertificates m_certificates;
};

void tst_HostileProxies::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_certificates.generate(m_dir.path()), qPrintable(m_certificates.errorString()));
    QVERIFY2(ProcessProbe::openDescriptors() > 0, "/proc/self/fd is needed for the leak check");
    // One good connection through a well-behaved proxy first: what Qt and the resolver open once
    // per process is then open before the first row counts descriptors.
    ScriptedProxy origin(B::Origin);
    ScriptedProxy proxy(B::Forward);
    QVERIFY(origin.listen() && proxy.listen());
    ProxyConfiguration configuration = ProxyConfiguration::manual({ProxyCandidate(
        ProxyCandidate::Type::Http, QStringLiteral("127.0.0.1"), proxy.port(),
        ProxyCandidate::Source::Explicit)});
    configuration.setProxyLoopback(true);
    WebSocketOptions options;
    options.setProxyConfiguration(configuration);
    options.setStrategies(Connect);
    WebSocket socket;
    QSignalSpy connected(&socket, &WebSocket::connected);
    QSignalSpy disconnected(&socket, &WebSocket::disconnected);
    connect(&socket, &WebSocket::connected, &socket, [&socket] { socket.abort(); });
    socket.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(origin.port()))),
        options);
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, RealTimeoutMs);
    QCOMPARE(connected.size(), 1);
}

void tst_HostileProxies::init()
{
    // Every row starts from nothing remembered: no strategy, no unreachable mark, no credentials.
    StrategyCache::clear();
    ConnectMemory::clear();
}

namespace {

ProxyRow make(B behaviour, QList<Strategy> strategies, E error)
{
    ProxyRow r;
    r.behaviour = behaviour;
    r.strategies = std::move(strategies);
    r.error = error;
    return r;
}

ProxyRow withCredentials(ProxyRow r)
{
    r.user = QStringLiteral("alice");
    r.password = QStringLiteral("secret");
    return r;
}

ProxyRow timingOut(ProxyRow r)
{
    r.timedOutAttempts = 1;
    return r;
}


} // namespace

void tst_HostileProxies::misbehaviours_data()
{
    QTest::addColumn<ProxyRow>("row");
    const auto row = [](const QByteArray &name, const ProxyRow &r) {
        QTest::newRow(name.constData()) << r;
    };
    // Answers that are not HTTP, or not the HTTP asked for.
    row("CONNECT: 200, then garbage instead of the server's 101",
        make(B::ConnectThenGarbage, Connect, E::ProxyProtocolError));
    row("CONNECT: 200 with an HTML body (a captive portal)",
        make(B::ConnectWithBody, Connect, E::ProxyProtocolError));
    row("garbage status line, CONNECT", make(B::GarbageStatusLine, Connect, E::ProxyProtocolError));
    row("garbage status line, GET", make(B::GarbageStatusLine, Get, E::ProxyProtocolError));
    row("HTTP/0.9 reply, CONNECT", make(B::Http09Reply, Connect, E::ProxyProtocolError));
    row("HTTP/0.9 reply, GET", make(B::Http09Reply, Get, E::ProxyProtocolError));
    row("HTTP/1.0 200 until close, CONNECT", make(B::Http10Reply, Connect, E::ProxyProtocolError));
    row("HTTP/1.0 200 until close, GET", make(B::Http10Reply, Get, E::ProxyRefused));
    row("reply head of 1 MiB, CONNECT", make(B::HugeReplyHead, Connect, E::ProxyProtocolError));
    row("reply head of 1 MiB, GET", make(B::HugeReplyHead, Get, E::ProxyProtocolError));
    row("10000 reply headers, CONNECT", make(B::ManyReplyHeaders, Connect, E::ProxyProtocolError));
    row("10000 reply headers, OPTIONS", make(B::ManyReplyHeaders, Options, E::ProxyProtocolError));
    row("HTML error page with 200, GET", make(B::HtmlErrorPage, Get, E::ProxyRefused));
    row("101 with a wrong accept key, GET", make(B::WrongAcceptKey, Get, E::HandshakeInvalid));
    row("101 from the proxy, then nothing relayed, GET",
        timingOut(make(B::UpgradeThenSilence, Get, E::ProxyRefused)));
    row("101 from the proxy, then nothing relayed, OPTIONS",
        timingOut(make(B::UpgradeThenSilence, Options, E::ProxyRefused)));

    // Refusals.
    row("403 to CONNECT (Squid's rules)", make(B::Forbidden, Connect, E::ProxyRefused));
    row("501 to OPTIONS", make(B::NotImplemented, Options, E::ProxyRefused));
    row("501 to everything, every strategy", make(B::NotImplemented, AllHttp, E::ProxyRefused));
    // A 400 or 504 to a forwarded upgrade may be the server's: without a Via header nothing says
    // the proxy wrote it, so it counts as the server's refusal.
    row("400 to Connection: Upgrade, GET",
        make(B::RejectConnectionUpgrade, Get, E::HandshakeRejected));
    row("strips Upgrade, OPTIONS (the origin's 200 comes back)",
        make(B::ForwardStrippingUpgrade, Options, E::ProxyRefused));
    row("502, CONNECT", make(B::BadGateway, Connect, E::ProxyRefused));
    row("503, CONNECT", make(B::ServiceUnavailable, Connect, E::ProxyRefused));
    row("504, GET", make(B::GatewayTimeout, Get, E::HandshakeRejected));

    // Authentication.
    row("407 loop, no credentials", make(B::AuthenticationLoop, Connect, E::ProxyAuthenticationRequired));
    row("407 loop, credentials rejected",
        withCredentials(make(B::AuthenticationLoop, Connect, E::ProxyAuthenticationFailed)));
    row("407 loop, GET, credentials rejected",
        withCredentials(make(B::AuthenticationLoop, Get, E::ProxyAuthenticationFailed)));
    row("407 Digest without nonce",
        withCredentials(make(B::DigestWithoutNonce, Connect, E::ProxyAuthenticationFailed)));
    row("407 with an unknown scheme",
        withCredentials(make(B::UnknownAuthScheme, Connect, E::ProxyAuthenticationFailed)));
    row("407 Negotiate only",
        withCredentials(make(B::NegotiateOnly, Connect, E::ProxyAuthenticationFailed)));
    row("401 to CONNECT (a server's challenge from a proxy)",
        withCredentials(make(B::Unauthorized, Connect, E::ProxyAuthenticationFailed)));

    // Connections that end or stall.
    row("closes every connection at once", make(B::CloseAfterAccept, Connect, E::ProxyRefused));
    row("nothing listens on the proxy port", [] {
        ProxyRow r = make(B::Forward, Connect, E::ProxyUnreachable);
        r.proxyDown = true;
        return r;
    }());
    ProxyRow midReply = make(B::Forbidden, Connect, E::ProxyRefused);
    midReply.dropAfterBytes = 20; // inside the status line's headers
    row("closes in the middle of its reply head", midReply);
    ProxyRow midTunnel = make(B::Forward, Connect, E::ClosedAbnormally);
    midTunnel.dropAfterBytes = 39 + 30; // the 200, then part of the server's 101
    row("closes in the middle of the tunnelled 101", midTunnel);
    row("hangs after CONNECT (200, then silence)",
        timingOut(make(B::ConnectThenSilence, Connect, E::HandshakeTimeout)));
    row("swallows CONNECT (no answer)", timingOut(make(B::SwallowConnect, Connect, E::HandshakeTimeout)));
    row("never answers, GET", timingOut(make(B::NeverAnswer, Get, E::HandshakeTimeout)));
    row("never answers, OPTIONS", timingOut(make(B::NeverAnswer, Options, E::HandshakeTimeout)));
    row("one byte per second, CONNECT",
        timingOut(make(B::OneBytePerSecond, Connect, E::HandshakeTimeout)));
    row("one byte per second, GET", timingOut(make(B::OneBytePerSecond, Get, E::HandshakeTimeout)));

    // TLS to the server through a working tunnel.
    ProxyRow tls = make(B::Forward, Connect, E::TlsHandshakeFailed);
    tls.secure = true;
    tls.origin = Origin::UntrustedTls;
    row("wss:// through CONNECT to an untrusted certificate", tls);

    // SOCKS5: every reply code of RFC 1928 §6 that refuses, and the handshake refusals.
    for (int rep = 1; rep <= 8; ++rep) {
        ProxyRow r = make(B::Socks5, Socks, E::ProxyRefused);
        r.socksReply = rep;
        row("SOCKS5 REP " + QByteArray::number(rep), r);
    }
    ProxyRow unassigned = make(B::Socks5, Socks, E::ProxyProtocolError);
    unassigned.socksReply = 0x42;
    row("SOCKS5 REP 0x42 (unassigned)", unassigned);
    ProxyRow noMethod = make(B::Socks5, Socks, E::ProxyAuthenticationRequired);
    noMethod.requiredUser = QStringLiteral("alice");
    noMethod.requiredPassword = QStringLiteral("secret");
    row("SOCKS5 wants a password, none given", noMethod);
    ProxyRow badPassword = withCredentials(make(B::Socks5, Socks, E::ProxyAuthenticationFailed));
    badPassword.requiredUser = QStringLiteral("alice");
    badPassword.requiredPassword = QStringLiteral("other");
    row("SOCKS5 rejects the password", badPassword);
    row("SOCKS: the proxy closes at once", make(B::CloseAfterAccept, Socks, E::ProxyRefused));
    row("SOCKS: the proxy never answers", timingOut(make(B::NeverAnswer, Socks, E::HandshakeTimeout)));
}

void tst_HostileProxies::misbehaviours()
{
    QFETCH(ProxyRow, row);
    const int descriptorsBefore = ProcessProbe::openDescriptors();
    {
        ScriptedProxy origin(B::Origin);
        QSslServer tlsOrigin;
        quint16 originPort = 0;
        if (row.origin == Origin::UntrustedTls) {
            tlsOrigin.setSslConfiguration(m_certificates.serverConfiguration());
            QVERIFY(tlsOrigin.listen(QHostAddress::LocalHost, 0));
            originPort = tlsOrigin.serverPort();
        } else {
            QVERIFY(origin.listen());
            originPort = origin.port();
        }
        ScriptedProxy proxy(row.behaviour);
        QVERIFY(proxy.listen());
        const quint16 proxyPort = proxy.port();
        if (row.proxyDown)
            proxy.close();
        proxy.setDropAfterBytes(row.dropAfterBytes);
        if (row.socksReply)
            proxy.setSocksReply(quint8(row.socksReply));
        if (!row.requiredUser.isEmpty())
            proxy.setCredentials(row.requiredUser, row.requiredPassword);

        const bool socks = row.strategies == Socks;
        ProxyCandidate hop(socks ? ProxyCandidate::Type::Socks5 : ProxyCandidate::Type::Http,
            QStringLiteral("127.0.0.1"), proxyPort, ProxyCandidate::Source::Explicit);
        if (!row.user.isEmpty())
            hop.setCredentials(row.user, row.password);
        ProxyConfiguration configuration = ProxyConfiguration::manual({hop});
        configuration.setProxyLoopback(true);
        WebSocketOptions options;
        options.setProxyConfiguration(configuration);
        options.setStrategies(row.strategies);
        options.setStrategyCacheEnabled(false);
        options.setHandshakeTimeout(AttemptTimeout);
        options.setCompressionEnabled(false);

        ManualClock clock;
        auto socket = std::make_unique<WebSocket>();
        WebSocketPrivate::setClock(socket.get(), &clock);
        QSignalSpy errors(socket.get(), &WebSocket::errorOccurred);
        QSignalSpy disconnected(socket.get(), &WebSocket::disconnected);
        const qint64 startedAt = clock.now();
        const QUrl url(QStringLiteral("%1://127.0.0.1:%2/hostile")
                           .arg(row.secure ? QStringLiteral("wss") : QStringLiteral("ws"))
                           .arg(originPort));
        socket->open(QNetworkRequest(url), options);

        for (int i = 0; i < row.timedOutAttempts; ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(proxy.connectionCount() > i, RealTimeoutMs);
            QTest::qWait(50); // what the proxy sends at once has arrived
            clock.advance(AttemptTimeout - 1ms);
            QCOMPARE(errors.size(), 0); // not before the deadline
            clock.advance(1ms);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!disconnected.isEmpty(), RealTimeoutMs);
        const qint64 virtualElapsed = clock.now() - startedAt;
        QCOMPARE(disconnected.size(), 1);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(socket->state(), WebSocket::State::Unconnected);
        qInfo("error string: %s", qPrintable(socket->errorString().left(300)));
        qInfo("report: %s", qPrintable(socket->connectReport().toText()));
        QCOMPARE(socket->error(), row.error);
        QVERIFY(!socket->errorString().isEmpty());
        QCOMPARE(virtualElapsed,
            row.timedOutAttempts * std::chrono::milliseconds(AttemptTimeout).count());
        qInfo("table: | %s | %s | %s |", QTest::currentDataTag(),
            QMetaEnum::fromType<WebSocket::Error>().valueToKey(int(row.error)),
            row.timedOutAttempts ? "attempt timeout (10 s)" : "at once");
        socket.reset();
    }
    QTRY_COMPARE_WITH_TIMEOUT(ProcessProbe::openDescriptors(), descriptorsBefore, RealTimeoutMs);
}

QTEST_GUILESS_MAIN(tst_HostileProxies)
#include "tst_hostile_proxies.moc"
