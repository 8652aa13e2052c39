// SPDX-License-Identifier: LGPL-3.0-or-later
// TcpConnector on loopback: it connects exactly where it is told (the server for DIRECT, the
// proxy the configuration names) and never asks Qt's proxy machinery, even when the application
// installed a proxy and a proxy factory; its failures are typed.
#include "transport/bytestream.h"
#include "transport/tcpconnector.h"

#include <QtNetwork/QNetworkProxyFactory>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

using namespace QtWs;

namespace {

// Records every question Qt would ask about proxies; answers with a proxy that must never be used.
class RecordingFactory : public QNetworkProxyFactory
{
public:
    explicit RecordingFactory(quint16 proxyPort)
        : m_proxyPort(proxyPort)
    { }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery &) override
    {
        ++queries;
        return {QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), m_proxyPort)};
    }
    static inline int queries = 0;

private:
    quint16 m_proxyPort;
};

quint16 closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort(); // closed again when probe goes
}

} // namespace

class tst_TcpConnector : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void neverConsultsQtProxies_data();
    void neverConsultsQtProxies();
    void failures_data();
    void failures();
    void abortReportsAborted();
};

void tst_TcpConnector::neverConsultsQtProxies_data()
{
    QTest::addColumn<bool>("useFactory");
    QTest::addColumn<bool>("tlsCapable");
    QTest::addRow("application proxy set") << false << false;
    QTest::addRow("application proxy factory set") << true << false;
    QTest::addRow("application proxy set, TLS-capable socket") << false << true;
    QTest::addRow("application proxy factory set, TLS-capable socket") << true << true;
}

void tst_TcpConnector::neverConsultsQtProxies()
{
    QFETCH(bool, useFactory);
    QFETCH(bool, tlsCapable);
    if (tlsCapable && !QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    QTcpServer target;
    QTcpServer proxy;
    QVERIFY(target.listen(QHostAddress::LocalHost, 0));
    QVERIFY(proxy.listen(QHostAddress::LocalHost, 0));
    RecordingFactory::queries = 0;
    if (useFactory)
        QNetworkProxyFactory::setApplicationProxyFactory(new RecordingFactory(proxy.serverPort()));
    else
        QNetworkProxy::setApplicationProxy(QNetworkProxy(
            QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxy.serverPort()));

    TcpConnector connector;
    QSignalSpy finished(&connector, &TcpConnector::finished);
    connector.connectToHost(QStringLiteral("127.0.0.1"), target.serverPort(), tlsCapable);
    QVERIFY(finished.wait(5000));
    QCOMPARE(connector.failure(), ConnectFailure::None);
    std::unique_ptr<ByteStream> stream(connector.takeStream());
    QVERIFY(stream);
    QVERIFY(stream->isConnected());
    QVERIFY(!stream->isEncrypted());
    QTRY_VERIFY(target.hasPendingConnections());
    QTcpSocket *accepted = target.nextPendingConnection();
    QVERIFY(accepted);
    QCOMPARE(stream->write("direct"), 6);
    stream->flush();
    QByteArray atTarget;
    QTRY_COMPARE((atTarget += accepted->readAll()), QByteArray("direct"));
    QVERIFY(!proxy.hasPendingConnections());
    QCOMPARE(RecordingFactory::queries, 0);

    QNetworkProxyFactory::setApplicationProxyFactory(nullptr);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::DefaultProxy);
}

void tst_TcpConnector::failures_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<ConnectFailure>("failure");
    QTest::addRow("rainy: refused") << QStringLiteral("127.0.0.1") << ConnectFailure::ConnectionRefused;
    QTest::addRow("rainy: no such name")
        << QStringLiteral("no-such-host.invalid") << ConnectFailure::HostNotFound;
}

void tst_TcpConnector::failures()
{
    QFETCH(QString, host);
    QFETCH(ConnectFailure, failure);
    const quint16 port = closedPort();
    QVERIFY(port);
    TcpConnector connector;
    QSignalSpy finished(&connector, &TcpConnector::finished);
    connector.connectToHost(host, port, false);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(connector.failure(), failure);
    QVERIFY2(connector.errorString().contains(host), qPrintable(connector.errorString()));
    QVERIFY(!connector.takeStream());
}

void tst_TcpConnector::abortReportsAborted()
{
    QTcpServer target;
    QVERIFY(target.listen(QHostAddress::LocalHost, 0));
    TcpConnector connector;
    QSignalSpy finished(&connector, &TcpConnector::finished);
    connector.connectToHost(QStringLiteral("127.0.0.1"), target.serverPort(), false);
    connector.abort();
    QCOMPARE(finished.size(), 0); // never from inside a call
    QVERIFY(finished.wait(5000));
    QCOMPARE(connector.failure(), ConnectFailure::Aborted);
    QVERIFY(!connector.takeStream());
}

QTEST_GUILESS_MAIN(tst_TcpConnector)
#include "tst_tcpconnector.moc"
