// SPDX-License-Identifier: LGPL-3.0-or-later
// The relay's backend connections on their own, against a loopback server (port 0).
#include "relay/relaybackend.h"

#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using QtWs::Relay::Backend;
using QtWs::Relay::TcpBackend;

class tst_RelayBackend : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tcpLastBytesWhilePaused();
    void tcpRefused();
};

void tst_RelayBackend::tcpLastBytesWhilePaused()
{
    // A backend that sends its last bytes and closes while the session does not read it (the
    // client is slow): the bytes still reach the session, before disconnected().
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    TcpBackend backend(
        QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(server.serverPort())), nullptr);
    QSignalSpy connected(&backend, &Backend::connected);
    QSignalSpy messages(&backend, &Backend::messageReceived);
    QSignalSpy disconnected(&backend, &Backend::disconnected);
    backend.open();
    QCOMPARE(backend.state(), Backend::State::Connecting);
    QVERIFY(connected.wait());
    QCOMPARE(backend.state(), Backend::State::Connected);
    QTRY_VERIFY(server.hasPendingConnections());
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    backend.setReadingPaused(true);
    peer->write("last words");
    peer->disconnectFromHost();
    QVERIFY(disconnected.wait());
    QCOMPARE(backend.state(), Backend::State::Disconnected);
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.at(0).at(0).toByteArray(), QByteArray("last words"));
    QCOMPARE(disconnected.at(0).at(0).value<quint16>(), quint16(1000));
}

void tst_RelayBackend::tcpRefused()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 deadPort = probe.serverPort();
    probe.close();
    TcpBackend backend(QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(deadPort)), nullptr);
    QSignalSpy connected(&backend, &Backend::connected);
    QSignalSpy disconnected(&backend, &Backend::disconnected);
    backend.open();
    QVERIFY(disconnected.wait());
    QCOMPARE(connected.size(), 0);
    QCOMPARE(disconnected.at(0).at(0).value<quint16>(), quint16(1014)); // bad gateway
}

QTEST_MAIN(tst_RelayBackend)
#include "tst_relaybackend.moc"
