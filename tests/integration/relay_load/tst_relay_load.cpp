// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-relay (the tool, a process of its own) under 500 concurrent sessions: half node `ws` clients,
// half engine.io-client pollers, one in ten a slow consumer, in front of Qt's WebSocket server as an
// echoing ws:// backend (it keeps message types and boundaries). load-client.js checks that every
// message comes back exactly once and in order; this test checks the relay's resident memory while
// it runs and that no session and no file descriptor is left once the clients are gone.
#include "../relay-common/relaytest.h"

#include "echoserver.h"

#include <QtCore/QTimer>

using namespace RelayTest;

namespace {

constexpr int Sessions = 500;
constexpr int MessagesPerSession = 40;
/*!
    The relay's resident memory may grow by this much over its idle size while the 500 sessions
    run: 2.5 times the peak growth measured with this client mix (36.8 MiB, docs/reliability.md,
    "Relay under load and faults"), for allocator slack and a loaded machine. Memory that followed
    the limits instead of the traffic (maxQueuedBytes is 4 MiB per session and direction) would
    pass it many times over.
*/
constexpr qint64 MaxGrowthKiB = 92 * 1024;

} // namespace

class tst_RelayLoad : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fiveHundredSessions();
};

void tst_RelayLoad::initTestCase()
{
    if (!QFile::exists(QStringLiteral(QTWS_NODE_EXECUTABLE)))
        QSKIP("node is not installed (scripts/install-deps.sh installs it)");
    QVERIFY2(
        QFile::exists(QStringLiteral(QTWS_PEERS_DIR "/node_modules/engine.io-client/package.json")),
        "run npm ci in tests/peers (scripts/install-deps.sh does)");
}

void tst_RelayLoad::fiveHundredSessions()
{
    QtWs::Test::EchoServer backend;
    QVERIFY(backend.listen());
    ServerProcess relay;
    const quint16 port = startRelayTool(&relay,
        {QStringLiteral("--backend"), backend.url().toString(), QStringLiteral("--path"),
            QStringLiteral("/r"), QStringLiteral("--quiet"), QStringLiteral("--max-sessions"),
            QStringLiteral("1000")});
    QVERIFY2(port != 0, relay.output().constData());
    const qint64 pid = relay.process.processId();
    // Idle figures, after a warm-up of a few sessions of each kind: what the process creates once,
    // on its first backend connection (Qt's network-information netlink socket, the DNS thread),
    // is not a session's descriptor.
    {
        QProcess warmUp;
        warmUp.setProcessChannelMode(QProcess::MergedChannels);
        warmUp.start(QStringLiteral(QTWS_NODE_EXECUTABLE),
            {QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_load/load-client.js"),
                QStringLiteral("--port"), QString::number(port), QStringLiteral("--path"),
                QStringLiteral("/r"), QStringLiteral("--sessions"), QStringLiteral("4"),
                QStringLiteral("--messages"), QStringLiteral("2"), QStringLiteral("--polling"),
                QStringLiteral("0.5")});
        // The backend runs on this thread's event loop: wait without blocking it.
        QVERIFY(warmUp.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(warmUp.state() == QProcess::NotRunning, 60000);
        QVERIFY2(warmUp.exitCode() == 0, warmUp.readAll().constData());
    }
    QTRY_COMPARE_WITH_TIMEOUT(statusCounter(port, "/r", "sessions"), 0, 30000);
    const qint64 idleRss = residentKiB(pid);
    const qsizetype idleFds = openDescriptors(pid);
    QVERIFY(idleRss > 0 && idleFds > 0);

    QProcess node;
    node.setProcessChannelMode(QProcess::MergedChannels);
    QByteArray output;
    connect(&node, &QProcess::readyRead, this, [&] { output += node.readAll(); });
    node.start(QStringLiteral(QTWS_NODE_EXECUTABLE),
        {QStringLiteral(QTWS_SOURCE_DIR "/tests/integration/relay_load/load-client.js"),
            QStringLiteral("--port"), QString::number(port), QStringLiteral("--path"),
            QStringLiteral("/r"), QStringLiteral("--sessions"), QString::number(Sessions),
            QStringLiteral("--messages"), QString::number(MessagesPerSession),
            QStringLiteral("--polling"), QStringLiteral("0.5"), QStringLiteral("--slow"),
            QStringLiteral("0.1"), QStringLiteral("--barrier")});
    QVERIFY(node.waitForStarted(10000));

    qint64 peakRss = idleRss;
    QTimer sampler;
    connect(&sampler, &QTimer::timeout, this,
        [&] { peakRss = qMax(peakRss, residentKiB(pid)); });
    sampler.start(100);

    // All 500 open at once before any message goes: the relay holds every session.
    QTRY_VERIFY2_WITH_TIMEOUT(output.contains("ALLOPEN") || node.state() == QProcess::NotRunning,
        output.constData(), 60000);
    QVERIFY2(output.contains("ALLOPEN 500"), output.constData());
    QCOMPARE(statusCounter(port, "/r", "sessions"), qint64(Sessions));
    // Every WebSocket session holds its client and its backend socket.
    QVERIFY2(openDescriptors(pid) >= idleFds + Sessions,
        qPrintable(QString::number(openDescriptors(pid))));
    node.write("go\n");

    QTRY_VERIFY_WITH_TIMEOUT(node.state() == QProcess::NotRunning, 90000);
    sampler.stop();
    output += node.readAll();
    QVERIFY2(node.exitStatus() == QProcess::NormalExit && node.exitCode() == 0, output.constData());
    QVERIFY2(output.contains(QByteArray("OK sessions=500 delivered=" + QByteArray::number(
                                 Sessions * MessagesPerSession))),
        output.constData());

    // Nothing left: every session ended, every descriptor closed.
    QTRY_COMPARE_WITH_TIMEOUT(statusCounter(port, "/r", "sessions"), 0, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(openDescriptors(pid), idleFds, 30000);
    const qint64 endRss = residentKiB(pid);
    qInfo("relay RSS: idle %lld KiB, peak %lld KiB (+%lld), after %lld KiB; descriptors: idle %lld",
        idleRss, peakRss, peakRss - idleRss, endRss, qint64(idleFds));
    QVERIFY2(peakRss - idleRss < MaxGrowthKiB,
        qPrintable(QStringLiteral("peak growth %1 KiB").arg(peakRss - idleRss)));
    QVERIFY(relay.isRunning());
}

QTEST_MAIN(tst_RelayLoad)
#include "tst_relay_load.moc"
