// SPDX-License-Identifier: LGPL-3.0-or-later
// TcpConnector and TlsClient against loopback TLS servers: TLS on the socket itself, TLS over a
// stream that is not a socket of ours (the socket-pair bridge), TLS inside TLS (wss:// through an
// HTTPS proxy), certificate errors, and the end of the stream passed through the bridge.
#include "testcertificates.h"
#include "transport/bytestream.h"
#include "transport/tcpconnector.h"
#include "transport/tlsclient.h"

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QtWs;

namespace {

// A TLS server on loopback. Mode Echo echoes the plaintext; mode Forward terminates TLS and
// forwards the plaintext to another port in the clear (what an HTTPS proxy's tunnel does).
class TlsServer : public QTcpServer
{
public:
    enum class Mode { Echo, Forward };
    TlsServer(const QSslConfiguration &configuration, Mode mode, quint16 forwardPort = 0)
        : m_configuration(configuration)
        , m_mode(mode)
        , m_forwardPort(forwardPort)
    { }
    int encrypted = 0;
    int disconnected = 0;
    QList<QSslSocket *> sockets;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *s = new QSslSocket(this);
        s->setSslConfiguration(m_configuration);
        s->setSocketDescriptor(descriptor);
        sockets.append(s);
        QObject::connect(s, &QSslSocket::encrypted, this, [this] { ++encrypted; });
        QObject::connect(s, &QAbstractSocket::disconnected, this, [this] { ++disconnected; });
        if (m_mode == Mode::Echo) {
            QObject::connect(s, &QIODevice::readyRead, s, [s] { s->write(s->readAll()); });
        } else {
            auto *out = new QTcpSocket(s);
            out->connectToHost(QHostAddress::LocalHost, m_forwardPort);
            QObject::connect(s, &QIODevice::readyRead, out, [s, out] { out->write(s->readAll()); });
            QObject::connect(out, &QIODevice::readyRead, s, [s, out] { s->write(out->readAll()); });
            QObject::connect(out, &QAbstractSocket::disconnected, s, [s] { s->disconnectFromHost(); });
        }
        s->startServerEncryption();
    }

private:
    QSslConfiguration m_configuration;
    Mode m_mode;
    quint16 m_forwardPort;
};

QSslConfiguration trusting(const QSslCertificate &ca)
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setCaCertificates({ca});
    return c;
}

// Connects TCP to \a port and returns the stream, or nullptr.
ByteStream *connectTcp(quint16 port, bool tlsCapable)
{
    TcpConnector connector;
    QSignalSpy done(&connector, &TcpConnector::finished);
    connector.connectToHost(QStringLiteral("127.0.0.1"), port, tlsCapable);
    if (!done.wait(5000) || connector.failure() != ConnectFailure::None)
        return nullptr;
    return connector.takeStream();
}

struct TlsResult
{
    ByteStream *stream = nullptr;
    ConnectFailure failure = ConnectFailure::None;
    QString errorString;
    int sslErrorSignals = 0;
};

TlsResult startTls(ByteStream *inner, const QSslConfiguration &configuration,
    const QString &name, bool ignoreFromSlot = false)
{
    TlsClient tls;
    TlsResult result;
    QObject::connect(&tls, &TlsClient::sslErrors, &tls,
        [&](const QList<QSslError> &errors) {
            ++result.sslErrorSignals;
            if (ignoreFromSlot)
                tls.ignoreSslErrors(errors);
        });
    QSignalSpy done(&tls, &TlsClient::finished);
    tls.start(inner, {configuration, name, {}});
    if (!done.wait(10000))
        return result;
    result.failure = tls.failure();
    result.errorString = tls.errorString();
    result.stream = tls.takeStream();
    return result;
}

QByteArray roundTrip(ByteStream *stream, const QByteArray &data)
{
    stream->write(data);
    stream->flush();
    QByteArray got;
    QElapsedTimer t;
    t.start();
    while (got.size() < data.size() && t.elapsed() < 10000) {
        if (stream->bytesAvailable() == 0)
            QSignalSpy(stream, &ByteStream::readyRead).wait(1000);
        got += stream->readAll();
    }
    return got;
}

} // namespace

class tst_TlsClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tlsOnTheSocket_data();
    void tlsOnTheSocket();
    void tlsInsideTls();
    void certificateErrors_data();
    void certificateErrors();
    void bridgedEndOfStream();

private:
    QTemporaryDir m_dir;
    Test::TestCertificates m_certs;
};

void tst_TlsClient::initTestCase()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    QVERIFY2(m_certs.generate(m_dir.path()), qPrintable(m_certs.errorString()));
}

void tst_TlsClient::tlsOnTheSocket_data()
{
    QTest::addColumn<bool>("tlsCapable");
    QTest::addRow("native: the socket itself") << true;
    QTest::addRow("bridged: a plain QTcpSocket") << false;
}

void tst_TlsClient::tlsOnTheSocket()
{
    QFETCH(bool, tlsCapable);
    TlsServer server(m_certs.serverConfiguration(), TlsServer::Mode::Echo);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    ByteStream *tcp = connectTcp(server.serverPort(), tlsCapable);
    QVERIFY(tcp);
    const TlsResult r = startTls(tcp, trusting(m_certs.ca()), QStringLiteral("localhost"));
    QVERIFY2(r.stream, qPrintable(r.errorString));
    std::unique_ptr<ByteStream> stream(r.stream);
    QVERIFY(stream->isEncrypted());
    QCOMPARE(roundTrip(stream.get(), "hello"), QByteArray("hello"));
    const QByteArray big(1024 * 1024, 'z');
    QCOMPARE(roundTrip(stream.get(), big).size(), big.size());
}

void tst_TlsClient::tlsInsideTls()
{
    // wss:// through an HTTPS proxy: TLS to the proxy on the socket, TLS to the server inside.
    TlsServer origin(m_certs.serverConfiguration(), TlsServer::Mode::Echo);
    QVERIFY(origin.listen(QHostAddress::LocalHost, 0));
    TlsServer proxy(m_certs.serverConfiguration(), TlsServer::Mode::Forward, origin.serverPort());
    QVERIFY(proxy.listen(QHostAddress::LocalHost, 0));
    ByteStream *tcp = connectTcp(proxy.serverPort(), true);
    QVERIFY(tcp);
    const TlsResult outer = startTls(tcp, trusting(m_certs.ca()), QStringLiteral("localhost"));
    QVERIFY2(outer.stream, qPrintable(outer.errorString));
    const TlsResult inner
        = startTls(outer.stream, trusting(m_certs.ca()), QStringLiteral("127.0.0.1"));
    QVERIFY2(inner.stream, qPrintable(inner.errorString));
    std::unique_ptr<ByteStream> stream(inner.stream);
    QTRY_COMPARE(proxy.encrypted, 1);
    QTRY_COMPARE(origin.encrypted, 1);
    QCOMPARE(roundTrip(stream.get(), "through two layers"), QByteArray("through two layers"));
}

void tst_TlsClient::certificateErrors_data()
{
    QTest::addColumn<bool>("trustCa");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("ignoreFromSlot");
    QTest::addColumn<bool>("tlsCapable");
    QTest::addColumn<bool>("succeeds");
    QTest::addRow("untrusted CA, native") << false << "localhost" << false << true << false;
    QTest::addRow("untrusted CA, bridged") << false << "localhost" << false << false << false;
    QTest::addRow("wrong host name") << true << "wrong.test" << false << true << false;
    QTest::addRow("wrong host name, bridged") << true << "wrong.test" << false << false << false;
    QTest::addRow("untrusted, caller ignores") << false << "localhost" << true << true << true;
    QTest::addRow("untrusted, caller ignores, bridged")
        << false << "localhost" << true << false << true;
}

void tst_TlsClient::certificateErrors()
{
    QFETCH(bool, trustCa);
    QFETCH(QString, name);
    QFETCH(bool, ignoreFromSlot);
    QFETCH(bool, tlsCapable);
    QFETCH(bool, succeeds);
    TlsServer server(m_certs.serverConfiguration(), TlsServer::Mode::Echo);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    ByteStream *tcp = connectTcp(server.serverPort(), tlsCapable);
    QVERIFY(tcp);
    const QSslConfiguration c
        = trustCa ? trusting(m_certs.ca()) : QSslConfiguration::defaultConfiguration();
    const TlsResult r = startTls(tcp, c, name, ignoreFromSlot);
    std::unique_ptr<ByteStream> stream(r.stream);
    QCOMPARE(r.sslErrorSignals, 1);
    QCOMPARE(bool(r.stream), succeeds);
    if (!succeeds) {
        QCOMPARE(r.failure, ConnectFailure::Tls);
        QVERIFY2(r.errorString.contains(QLatin1String("certificate")), qPrintable(r.errorString));
    }
}

void tst_TlsClient::bridgedEndOfStream()
{
    TlsServer server(m_certs.serverConfiguration(), TlsServer::Mode::Echo);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    ByteStream *tcp = connectTcp(server.serverPort(), false);
    QVERIFY(tcp);
    const TlsResult r = startTls(tcp, trusting(m_certs.ca()), QStringLiteral("localhost"));
    QVERIFY(r.stream);
    std::unique_ptr<ByteStream> stream(r.stream);
    QCOMPARE(roundTrip(stream.get(), "x"), QByteArray("x"));
    // The server closes: the end travels through the pump to the encrypted stream.
    QSignalSpy gone(stream.get(), &ByteStream::disconnected);
    QTRY_COMPARE(server.sockets.size(), 1);
    server.sockets.first()->disconnectFromHost();
    QVERIFY(gone.wait(5000));

    // And our close reaches the server.
    ByteStream *tcp2 = connectTcp(server.serverPort(), false);
    const TlsResult r2 = startTls(tcp2, trusting(m_certs.ca()), QStringLiteral("localhost"));
    QVERIFY(r2.stream);
    std::unique_ptr<ByteStream> stream2(r2.stream);
    const int before = server.disconnected;
    stream2->disconnectFromPeer();
    QTRY_COMPARE(server.disconnected, before + 1);
}

QTEST_GUILESS_MAIN(tst_TlsClient)
#include "tst_tlsclient.moc"
