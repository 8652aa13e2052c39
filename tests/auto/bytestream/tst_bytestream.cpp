// SPDX-License-Identifier: LGPL-3.0-or-later
// The byte streams the protocol engine runs over: the in-memory pair (used by the engine tests) and
// the device stream over a real loopback QTcpSocket. Data written before a close is always read
// before the close.
#include "transport/bytestream.h"

#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

using namespace QtWs;

namespace {

// A connected loopback TCP pair: *client (unparented, for a DeviceByteStream to take) and *peer.
void connectOverLoopback(QTcpServer &server, QTcpSocket **client, std::unique_ptr<QTcpSocket> *peer)
{
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    *client = new QTcpSocket;
    (*client)->setProxy(QNetworkProxy::NoProxy);
    (*client)->connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY((*client)->waitForConnected(5000));
    QVERIFY(server.waitForNewConnection(5000));
    peer->reset(server.nextPendingConnection());
}

} // namespace

class tst_ByteStream : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void memoryPairDelivers();
    void memoryCloseAfterData_data();
    void memoryCloseAfterData();
    void memoryWriteAfterClose();
    void deviceStreamOverTcp();
    void writeThroughWhenNothingIsQueued();
    void writeBytesCopies_data();
    void writeBytesCopies();
};

void tst_ByteStream::memoryPairDelivers()
{
    QObject owner;
    auto [a, b] = MemoryByteStream::createPair(&owner);
    QSignalSpy readyRead(b, &ByteStream::readyRead);
    QSignalSpy written(a, &ByteStream::bytesWritten);
    QCOMPARE(a->write("one"), 3);
    QCOMPARE(a->write("two"), 3);
    QCOMPARE(b->bytesAvailable(), 6);
    QCOMPARE(readyRead.size(), 0); // delivered on the next event-loop turn
    QTRY_COMPARE(readyRead.size(), 1); // one notification for both writes
    QCOMPARE(b->readAll(), QByteArray("onetwo"));
    QTRY_COMPARE(written.size(), 2);
    QCOMPARE(a->writeCount(), 2);
    QCOMPARE(a->totalWritten(), 6);
}

void tst_ByteStream::memoryCloseAfterData_data()
{
    QTest::addColumn<bool>("abort");
    QTest::addRow("happy: graceful close") << false;
    QTest::addRow("rainy: abort") << true;
}

void tst_ByteStream::memoryCloseAfterData()
{
    QFETCH(bool, abort);
    QObject owner;
    auto [a, b] = MemoryByteStream::createPair(&owner);
    QSignalSpy aGone(a, &ByteStream::disconnected);
    QSignalSpy bGone(b, &ByteStream::disconnected);
    QSignalSpy bError(b, &ByteStream::errorOccurred);
    QByteArray seen;
    connect(b, &ByteStream::readyRead, b, [&seen, b = b] { seen += b->readAll(); });
    a->write("last words");
    if (abort)
        a->abort();
    else
        a->disconnectFromPeer();
    QTRY_COMPARE(bGone.size(), 1);
    QTRY_COMPARE(aGone.size(), 1);
    QCOMPARE(seen, QByteArray("last words")); // data first, then the close
    QCOMPARE(bError.size(), 1);
    QCOMPARE(bError.at(0).at(0).value<QAbstractSocket::SocketError>(),
        abort ? QAbstractSocket::NetworkError : QAbstractSocket::RemoteHostClosedError);
    QVERIFY(!b->isConnected());
    QVERIFY(b->peerClosed());
}

void tst_ByteStream::memoryWriteAfterClose()
{
    QObject owner;
    auto [a, b] = MemoryByteStream::createPair(&owner);
    a->disconnectFromPeer();
    QCOMPARE(a->write("x"), -1);
    QTRY_VERIFY(b->peerClosed());
    QCOMPARE(b->write("x"), -1);
}

void tst_ByteStream::deviceStreamOverTcp()
{
    QTcpServer server;
    QTcpSocket *client = nullptr;
    std::unique_ptr<QTcpSocket> peer;
    connectOverLoopback(server, &client, &peer);
    if (QTest::currentTestFailed())
        return;

    DeviceByteStream stream(client);
    QCOMPARE(client->parent(), &stream);
    QVERIFY(stream.isConnected());
    QVERIFY(!stream.isEncrypted());
    QVERIFY(stream.peerDescription().startsWith(QStringLiteral("127.0.0.1:")));
    QSignalSpy written(&stream, &ByteStream::bytesWritten);
    QSignalSpy gone(&stream, &ByteStream::disconnected);
    QCOMPARE(stream.write("ping"), 4);
    QByteArray atPeer;
    QTRY_COMPARE((atPeer += peer->readAll()), QByteArray("ping"));
    QVERIFY(!written.isEmpty());
    peer->write("pong");
    QByteArray got;
    connect(&stream, &ByteStream::readyRead, &stream, [&] { got += stream.readAll(); });
    QTRY_COMPARE(got, QByteArray("pong"));
    peer->disconnectFromHost();
    QTRY_COMPARE(gone.size(), 1);
    QVERIFY(!stream.isConnected());
}

// A plain TCP socket's writes go to the kernel while Qt's write buffer is empty: nothing is left
// queued (no 32 KiB write chunk kept per connection), the bytes arrive in order, and flush()
// reports them with bytesWritten() at once.
void tst_ByteStream::writeThroughWhenNothingIsQueued()
{
    QTcpServer server;
    QTcpSocket *client = nullptr;
    std::unique_ptr<QTcpSocket> peer;
    connectOverLoopback(server, &client, &peer);
    if (QTest::currentTestFailed())
        return;

    DeviceByteStream stream(client);
    QSignalSpy written(&stream, &ByteStream::bytesWritten);
    const QByteArray head("GET / HTTP/1.1\r\n\r\n");
    QCOMPARE(stream.write(head), head.size());
#ifdef Q_OS_LINUX
    QCOMPARE(stream.bytesToWrite(), 0); // in the kernel already, not in Qt's buffer
#endif
    QCOMPARE(stream.writeBytes("abc", 3), 3);
    stream.flush();
    qint64 reported = 0;
    for (const QList<QVariant> &args : std::as_const(written))
        reported += args.at(0).toLongLong();
#ifdef Q_OS_LINUX
    QCOMPARE(reported, head.size() + 3); // reported by flush(), not later
#endif
    QByteArray atPeer;
    QTRY_COMPARE((atPeer += peer->readAll()), head + "abc");
    // Nothing is reported twice once the event loop ran.
    QTest::qWait(0);
    reported = 0;
    for (const QList<QVariant> &args : std::as_const(written))
        reported += args.at(0).toLongLong();
    QCOMPARE(reported, head.size() + 3);
}

void tst_ByteStream::writeBytesCopies_data()
{
    QTest::addColumn<bool>("tcp");
    QTest::addColumn<qint64>("size");
    const qint64 slice = DeviceByteStream::WriteSliceSize;
    for (bool tcp : {true, false}) {
        const char *kind = tcp ? "tcp" : "memory";
        QTest::addRow("%s: empty", kind) << tcp << qint64(0);
        QTest::addRow("%s: one byte", kind) << tcp << qint64(1);
        QTest::addRow("%s: one slice", kind) << tcp << slice;
        QTest::addRow("%s: a slice and a byte", kind) << tcp << slice + 1;
        QTest::addRow("%s: 1 MiB + 3", kind) << tcp << qint64(1024 * 1024 + 3);
    }
}

// writeBytes() copies: the caller reuses (here: overwrites) its buffer at once and the peer still
// receives what was there at the call, in order, whatever the slicing.
void tst_ByteStream::writeBytesCopies()
{
    QFETCH(bool, tcp);
    QFETCH(qint64, size);
    QByteArray source(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i)
        source[i] = char((i * 7 + i / 251) & 0xff);
    QByteArray buffer = source;

    QTcpServer server;
    std::unique_ptr<QTcpSocket> peer;
    std::unique_ptr<ByteStream> stream;
    std::unique_ptr<ByteStream> memoryPeer;
    QByteArray received;
    if (tcp) {
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        auto *client = new QTcpSocket;
        client->setProxy(QNetworkProxy::NoProxy);
        client->connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(client->waitForConnected(5000));
        QVERIFY(server.waitForNewConnection(5000));
        peer.reset(server.nextPendingConnection());
        connect(
            peer.get(), &QIODevice::readyRead, peer.get(), [&] { received += peer->readAll(); });
        stream = std::make_unique<DeviceByteStream>(client);
    } else {
        auto [a, b] = MemoryByteStream::createPair();
        stream.reset(a);
        memoryPeer.reset(b);
        connect(b, &ByteStream::readyRead, b, [&, b = b] { received += b->readAll(); });
    }
    QCOMPARE(stream->writeBytes(buffer.constData(), size), size);
    buffer.fill('\xee');
    QCOMPARE(stream->writeBytes("end", 3), qint64(3));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), size + 3, 20000);
    QVERIFY(received.first(size) == source);
    QCOMPARE(received.sliced(size), QByteArray("end"));
}

QTEST_GUILESS_MAIN(tst_ByteStream)
#include "tst_bytestream.moc"
