// SPDX-License-Identifier: LGPL-3.0-or-later
// DirectConnector on loopback: it connects straight to the target and never asks Qt's proxy
// machinery, even when the application installed a proxy and a proxy factory.
#include "transport/bytestream.h"
#include "transport/directconnector.h"

#include <QtNetwork/QNetworkProxyFactory>
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

} // namespace

class tst_DirectConnector : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void neverConsultsQtProxies_data();
    void neverConsultsQtProxies();
    void failures_data();
    void failures();
    void cancelIsSilent();
};

void tst_DirectConnector::neverConsultsQtProxies_data()
{
    QTest::addColumn<bool>("useFactory");
    QTest::addRow("application proxy set") << false;
    QTest::addRow("application proxy factory set") << true;
}

void tst_DirectConnector::neverConsultsQtProxies()
{
    QFETCH(bool, useFactory);
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

    DirectConnector connector;
    QSignalSpy established(&connector, &DirectConnector::established);
    QSignalSpy failed(&connector, &DirectConnector::failed);
    connector.start(QStringLiteral("127.0.0.1"), target.serverPort(), false, {}, {});
    QTRY_COMPARE(established.size(), 1);
    QCOMPARE(failed.size(), 0);
    std::unique_ptr<ByteStream> stream(established.at(0).at(0).value<ByteStream *>());
    QVERIFY(stream->isConnected());
    QTRY_VERIFY(target.hasPendingConnections());
    QTcpSocket *accepted = target.nextPendingConnection();
    QVERIFY(accepted);
    QCOMPARE(stream->write("direct"), 6);
    QByteArray atTarget;
    QTRY_COMPARE((atTarget += accepted->readAll()), QByteArray("direct"));
    QVERIFY(!proxy.hasPendingConnections());
    QCOMPARE(RecordingFactory::queries, 0);

    QNetworkProxyFactory::setApplicationProxyFactory(nullptr);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::DefaultProxy);
}

void tst_DirectConnector::failures_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("closedPort");
    QTest::addColumn<DirectConnector::Failure>("failure");
    QTest::addRow("rainy: refused")
        << QStringLiteral("127.0.0.1") << true << DirectConnector::Failure::ConnectionRefused;
}

void tst_DirectConnector::failures()
{
    QFETCH(QString, host);
    QFETCH(bool, closedPort);
    QFETCH(DirectConnector::Failure, failure);
    quint16 port = 9;
    if (closedPort) {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    DirectConnector connector;
    QSignalSpy failed(&connector, &DirectConnector::failed);
    connector.start(host, port, false, {}, {});
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
    QCOMPARE(failed.at(0).at(0).value<DirectConnector::Failure>(), failure);
    QVERIFY(failed.at(0).at(1).toString().contains(host));
}

void tst_DirectConnector::cancelIsSilent()
{
    QTcpServer target;
    QVERIFY(target.listen(QHostAddress::LocalHost, 0));
    DirectConnector connector;
    QSignalSpy established(&connector, &DirectConnector::established);
    QSignalSpy failed(&connector, &DirectConnector::failed);
    connector.start(QStringLiteral("127.0.0.1"), target.serverPort(), false, {}, {});
    const QPointer<QTcpSocket> socket = connector.findChild<QTcpSocket *>();
    QVERIFY(socket);
    connector.cancel();
    // Once the socket is destroyed, nothing it did can reach the connector.
    QTRY_VERIFY(!socket);
    QCOMPARE(established.size(), 0);
    QCOMPARE(failed.size(), 0);
}

QTEST_GUILESS_MAIN(tst_DirectConnector)
#include "tst_directconnector.moc"
