// SPDX-License-Identifier: LGPL-3.0-or-later
// StrategyCache and the planner's process-wide memory (ConnectMemory): lifetimes on an injected
// clock, per hop and origin, persistence in a QSettings file, unreachable proxies moved last for
// five minutes, credentials per proxy.
#include "connect/connectmemory.h"

#include <qtws/strategycache.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace QtWs;

class tst_StrategyCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void storeLookupForget();
    void perHopAndOrigin_data();
    void perHopAndOrigin();
    void expires();
    void persists();
    void networkChangeForgets();
    void unreachableMovedLast();
    void unreachableForFiveMinutes();
    void credentialsPerProxy();

private:
    qint64 m_now = 1'000'000;
    ConnectMemory::Clock m_previous;
};

namespace {

const ProxyCandidate squid(ProxyCandidate::Type::Http, QStringLiteral("squid.test"), 3128,
    ProxyCandidate::Source::Pac);
const ProxyCandidate other(ProxyCandidate::Type::Http, QStringLiteral("other.test"), 3128,
    ProxyCandidate::Source::Pac);
const QUrl target(QStringLiteral("ws://origin.test:8080/chat"));

} // namespace

void tst_StrategyCache::init()
{
    m_previous = ConnectMemory::setClockForTesting([this] { return m_now; });
    StrategyCache::setStorageFile(QString());
    StrategyCache::setTtl(StrategyCache::DefaultTtl);
    StrategyCache::clear();
    ConnectMemory::clear();
}

void tst_StrategyCache::cleanup()
{
    StrategyCache::setStorageFile(QString());
    StrategyCache::clear();
    ConnectMemory::clear();
    ConnectMemory::setClockForTesting(m_previous);
}

void tst_StrategyCache::storeLookupForget()
{
    QVERIFY(!StrategyCache::lookup(squid, target));
    StrategyCache::store(squid, target, Strategy::ForwardedUpgrade);
    QCOMPARE(StrategyCache::lookup(squid, target), Strategy::ForwardedUpgrade);
    // Forgetting another strategy leaves the entry alone: only a failure of the cached one drops it.
    StrategyCache::forget(squid, target, Strategy::ConnectTunnel);
    QCOMPARE(StrategyCache::lookup(squid, target), Strategy::ForwardedUpgrade);
    StrategyCache::forget(squid, target, Strategy::ForwardedUpgrade);
    QVERIFY(!StrategyCache::lookup(squid, target));
}

void tst_StrategyCache::perHopAndOrigin_data()
{
    QTest::addColumn<QUrl>("lookupUrl");
    QTest::addColumn<bool>("sameHop");
    QTest::addColumn<bool>("found");
    QTest::addRow("same origin, other path") << QUrl(QStringLiteral("ws://origin.test:8080/other")) << true << true;
    QTest::addRow("host case") << QUrl(QStringLiteral("ws://ORIGIN.test:8080/")) << true << true;
    QTest::addRow("other port") << QUrl(QStringLiteral("ws://origin.test:8081/chat")) << true << false;
    QTest::addRow("other scheme") << QUrl(QStringLiteral("wss://origin.test:8080/chat")) << true << false;
    QTest::addRow("default port spelled") << QUrl(QStringLiteral("ws://origin.test:80/")) << true << false;
    QTest::addRow("other hop") << QUrl(QStringLiteral("ws://origin.test:8080/chat")) << false << false;
}

void tst_StrategyCache::perHopAndOrigin()
{
    QFETCH(QUrl, lookupUrl);
    QFETCH(bool, sameHop);
    QFETCH(bool, found);
    StrategyCache::store(squid, target, Strategy::OptionsUpgrade);
    QCOMPARE(bool(StrategyCache::lookup(sameHop ? squid : other, lookupUrl)), found);
}

void tst_StrategyCache::expires()
{
    StrategyCache::setTtl(std::chrono::minutes(10));
    StrategyCache::store(squid, target, Strategy::ConnectTunnel);
    m_now += 10 * 60 * 1000 - 1;
    QVERIFY(StrategyCache::lookup(squid, target));
    m_now += 1;
    QVERIFY(!StrategyCache::lookup(squid, target));
}

void tst_StrategyCache::persists()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("strategies.ini"));
    StrategyCache::setStorageFile(file);
    StrategyCache::store(squid, target, Strategy::ForwardedUpgrade);
    StrategyCache::store(other, target, Strategy::ConnectTunnel);
    QVERIFY(QFile::exists(file));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.contains("squid.test") && text.contains("get"));

    // A restart: the memory is empty until the file is named again.
    StrategyCache::setStorageFile(QString());
    StrategyCache::clear();
    QVERIFY(!StrategyCache::lookup(squid, target));
    QVERIFY(QFile::exists(file)); // clearing the memory alone left the file as it was
    StrategyCache::setStorageFile(file);
    QCOMPARE(StrategyCache::lookup(squid, target), Strategy::ForwardedUpgrade);
    QCOMPARE(StrategyCache::lookup(other, target), Strategy::ConnectTunnel);
}

void tst_StrategyCache::networkChangeForgets()
{
    StrategyCache::store(squid, target, Strategy::ConnectTunnel);
    ConnectMemory::markUnreachable(other);
    ConnectMemory::networkChanged();
    QVERIFY(!StrategyCache::lookup(squid, target));
    QVERIFY(!ConnectMemory::isMarkedUnreachable(other));
}

void tst_StrategyCache::unreachableMovedLast()
{
    const ProxyCandidate direct = ProxyCandidate::direct(ProxyCandidate::Source::Pac);
    const QList<ProxyCandidate> list {squid, other, direct};
    QList<ProxyCandidate> moved;
    QCOMPARE(ConnectMemory::orderForRetry(list, &moved), list);
    QVERIFY(moved.isEmpty());
    ConnectMemory::markUnreachable(squid);
    QCOMPARE(ConnectMemory::orderForRetry(list, &moved), (QList<ProxyCandidate> {other, direct, squid}));
    QCOMPARE(moved, QList<ProxyCandidate> {squid});
    // DIRECT is never "unreachable": it is not a proxy.
    ConnectMemory::markUnreachable(direct);
    QCOMPARE(ConnectMemory::orderForRetry(list), (QList<ProxyCandidate> {other, direct, squid}));
    ConnectMemory::markReachable(squid);
    QCOMPARE(ConnectMemory::orderForRetry(list), list);
}

void tst_StrategyCache::unreachableForFiveMinutes()
{
    ConnectMemory::markUnreachable(squid);
    m_now += ConnectMemory::BadProxyRetryDelay.count() - 1;
    QVERIFY(ConnectMemory::isMarkedUnreachable(squid));
    m_now += 1;
    QVERIFY(!ConnectMemory::isMarkedUnreachable(squid));
}

void tst_StrategyCache::credentialsPerProxy()
{
    QVERIFY(!ConnectMemory::credentials(squid));
    ConnectMemory::storeCredentials(squid, {QStringLiteral("alice"), QStringLiteral("s3cret")});
    QCOMPARE(ConnectMemory::credentials(squid)->user, QStringLiteral("alice"));
    QVERIFY(!ConnectMemory::credentials(other)); // never lent to another proxy
    const ProxyCandidate sameProxyOtherPort(ProxyCandidate::Type::Http, QStringLiteral("squid.test"),
        3129, ProxyCandidate::Source::Pac);
    QVERIFY(!ConnectMemory::credentials(sameProxyOtherPort));
    // The key never holds the secret itself.
    QVERIFY(!ConnectMemory::hopKey(squid).contains(QLatin1String("s3cret")));
    ConnectMemory::forgetCredentials(squid);
    QVERIFY(!ConnectMemory::credentials(squid));
}

QTEST_GUILESS_MAIN(tst_StrategyCache)
#include "tst_strategycache.moc"
