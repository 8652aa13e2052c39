// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/endpoint.h"

#include <algorithm>
#include <cstring>

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::Role)

namespace {

using Type = MessageEvent::Type;

QStringList L(std::initializer_list<const char *> items)
{
    QStringList list;
    for (const char *item : items)
        list.append(QString::fromUtf8(item));
    return list;
}

Role peerOf(Role role)
{
    return role == Role::Client ? Role::Server : Role::Client;
}

// One raw frame as the peer of an endpoint in \a local role sends it (masked towards a server).
QByteArray rawFrame(Role local, quint8 firstByte, const QByteArray &payload)
{
    FrameHeader h;
    h.fin = firstByte & 0x80;
    h.rsv1 = firstByte & 0x40;
    h.rsv2 = firstByte & 0x20;
    h.rsv3 = firstByte & 0x10;
    h.opCode = OpCode(firstByte & 0x0f);
    h.masked = local == Role::Server;
    h.maskKey = 0x37fa213d;
    h.payloadLength = quint64(payload.size());
    QByteArray body = payload;
    if (h.masked)
        applyMask(body.data(), body.size(), h.maskKey);
    return h.toByteArray() + body;
}

QByteArray closePayload(quint16 code)
{
    QByteArray p(2, '\0');
    p[0] = char(code >> 8);
    p[1] = char(code & 0xff);
    return p;
}

// What the peer of an endpoint in \a local role sends, written in a small language so that the
// rows read like a conversation: "text:hi", "binary:xy", "ping:p", "pong:p", "close:1000",
// "close" (no code), "rsv" (reserved bits: 1002), "utf8" (invalid UTF-8: 1007), "big" (over the
// message limit of the rows: 1009), "unmasked"/"masked" (the wrong masking for the role: 1002).
QByteArray peerBytes(Role local, const QStringList &script)
{
    QByteArray out;
    for (const QString &step : script) {
        const QString verb = step.section(u':', 0, 0);
        const QByteArray arg = step.section(u':', 1).toUtf8();
        if (verb == u"text")
            out += rawFrame(local, 0x81, arg);
        else if (verb == u"binary")
            out += rawFrame(local, 0x82, arg);
        else if (verb == u"ping")
            out += rawFrame(local, 0x89, arg);
        else if (verb == u"pong")
            out += rawFrame(local, 0x8a, arg);
        else if (verb == u"close")
            out += rawFrame(
                local, 0x88, arg.isEmpty() ? QByteArray() : closePayload(arg.toUShort()));
        else if (verb == u"rsv")
            out += rawFrame(local, 0xc1, "x");
        else if (verb == u"utf8")
            out += rawFrame(local, 0x81, "\xc3\x28");
        else if (verb == u"big")
            out += rawFrame(local, 0x82, QByteArray(100, 'b'));
        else if (verb == u"wrongmask")
            out += rawFrame(
                peerOf(local), 0x82, "m"); // masked towards a client, or not towards a server
        else
            qFatal("unknown script step %s", qPrintable(step));
    }
    return out;
}

QString describe(const MessageEvent &e)
{
    switch (e.type) {
    case Type::TextMessage:
        return u"text:" + QString::fromUtf8(e.payload);
    case Type::BinaryMessage:
        return u"binary:" + QString::fromUtf8(e.payload);
    case Type::TextFrame:
    case Type::BinaryFrame:
        return u"frame:" + QString::fromUtf8(e.payload);
    case Type::Ping:
        return u"ping:" + QString::fromUtf8(e.payload);
    case Type::Pong:
        return u"pong:" + QString::fromUtf8(e.payload);
    case Type::Close:
        return u"close:" + QString::number(e.closeCode);
    case Type::Error:
        return u"error:" + QString::number(e.closeCode);
    case Type::None:
        break;
    }
    return QStringLiteral("none");
}

enum class Feeding { Whole, ByteAtATime };

// Feeds \a bytes to \a endpoint and describes the events it hands out.
QStringList feedAll(Endpoint &endpoint, const QByteArray &bytes, Feeding feeding)
{
    QStringList events;
    const auto drain = [&](QByteArrayView data) {
        for (;;) {
            const auto r = endpoint.feed(data);
            data = data.sliced(r.consumed);
            if (!r.eventReady) {
                QVERIFY2(data.isEmpty(), "feed() returned without an event before the input's end");
                return;
            }
            events.append(describe(endpoint.takeEvent()));
        }
    };
    if (feeding == Feeding::Whole) {
        drain(bytes);
    } else {
        for (qsizetype i = 0; i < bytes.size(); ++i)
            drain(QByteArrayView(bytes).sliced(i, 1));
    }
    drain({});
    return events;
}

// Decodes what \a endpoint queued, as its peer reads it.
QStringList decodeOutput(const Endpoint &endpoint, QByteArrayView prefix = {})
{
    QByteArrayView out = endpoint.output();
    if (!prefix.isEmpty()) {
        if (!out.startsWith(prefix))
            return {QStringLiteral("missing prefix")};
        out = out.sliced(prefix.size());
    }
    MessageReader::Options options;
    options.role = peerOf(endpoint.role());
    MessageReader peer(options);
    QStringList frames;
    for (;;) {
        const auto r = peer.feed(out);
        out = out.sliced(r.consumed);
        if (!r.eventReady)
            break;
        frames.append(describe(peer.takeEvent()));
        // The peer's reader ignores what follows a Close: show it instead (nothing may follow).
        if (peer.isFinished() && !out.isEmpty()) {
            frames.append(QStringLiteral("bytes after close"));
            break;
        }
    }
    if (!out.isEmpty() && !peer.isFinished())
        frames.append(QStringLiteral("trailing bytes"));
    return frames;
}

Endpoint::Options smallLimits()
{
    Endpoint::Options o;
    o.reader.maxMessageSize = 64;
    return o;
}

} // namespace

class tst_Endpoint : public QObject
{
    Q_OBJECT
private slots:
    void rules_data();
    void rules();
    void sendsAfterClose_data();
    void sendsAfterClose();
    void unsendableCloseCodes_data();
    void unsendableCloseCodes();
    void outputBuffer();
    void initialOutputComesFirst();
    void directReads_data();
    void directReads();
    void noDirectReadsAfterOurClose();
    void compressedConversation();
    void frameEventsDroppedAfterOurClose();
    void heldPongsAnswerTheLatestPing();
};

void tst_Endpoint::rules_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("ourClose"); // a code to close with before the peer's bytes, or ""
    QTest::addColumn<QStringList>("peer");
    QTest::addColumn<QStringList>("events"); // what the owner is handed
    QTest::addColumn<QStringList>("output"); // what the endpoint sends, as the peer reads it
    QTest::addColumn<bool>("finished");

    for (const Role role : {Role::Client, Role::Server}) {
        const char *r = role == Role::Client ? "client" : "server";
        // Happy day.
        QTest::addRow("%s: messages delivered", r)
            << role << QString() << L({"text:hi", "binary:xy"}) << L({"text:hi", "binary:xy"})
            << L({}) << false;
        QTest::addRow("%s: pong delivered, not answered", r)
            << role << QString() << L({"pong:p"}) << L({"pong:p"}) << L({}) << false;
        QTest::addRow("%s: ping answered with its payload", r)
            << role << QString() << L({"ping:abc", "ping:"}) << L({"ping:abc", "ping:"})
            << L({"pong:abc", "pong:"}) << false;
        QTest::addRow("%s: close echoed with its code", r)
            << role << QString() << L({"close:1001"}) << L({"close:1001"}) << L({"close:1001"})
            << true;
        QTest::addRow("%s: close without code echoed without code", r)
            << role << QString() << L({"close"}) << L({"close:1005"}) << L({"close:1005"}) << true;
        QTest::addRow("%s: close after ours not echoed", r)
            << role << QStringLiteral("1000") << L({"close:1000"}) << L({"close:1000"})
            << L({"close:1000"}) << true;
        // RFC 6455 §5.5.1: after our Close, no data is processed and no Pong is owed.
        QTest::addRow("%s: data after our close dropped", r)
            << role << QStringLiteral("1001") << L({"text:late", "binary:late"}) << L({})
            << L({"close:1001"}) << false;
        QTest::addRow("%s: ping after our close not answered", r)
            << role << QStringLiteral("1000") << L({"ping:p"}) << L({"ping:p"}) << L({"close:1000"})
            << false;
        QTest::addRow("%s: pong after our close still delivered", r)
            << role << QStringLiteral("1000") << L({"pong:p"}) << L({"pong:p"}) << L({"close:1000"})
            << false;
        // Nothing is read after the peer's Close, and it is echoed once.
        QTest::addRow("%s: nothing after the peer's close", r)
            << role << QString() << L({"close:1000", "text:late", "ping:p", "close:1000"})
            << L({"close:1000"}) << L({"close:1000"}) << true;
        // Rainy day: each violation fails with its code (RFC 6455 §7.4.1) and ends the input.
        QTest::addRow("%s: reserved bits fail with 1002", r)
            << role << QString() << L({"rsv", "text:late", "ping:p"}) << L({"error:1002"})
            << L({"close:1002"}) << true;
        QTest::addRow("%s: wrong masking fails with 1002", r)
            << role << QString() << L({"wrongmask"}) << L({"error:1002"}) << L({"close:1002"})
            << true;
        QTest::addRow("%s: invalid UTF-8 fails with 1007", r)
            << role << QString() << L({"text:ok", "utf8", "text:late"})
            << L({"text:ok", "error:1007"}) << L({"close:1007"}) << true;
        QTest::addRow("%s: too big fails with 1009", r)
            << role << QString() << L({"big", "ping:p"}) << L({"error:1009"}) << L({"close:1009"})
            << true;
        QTest::addRow("%s: violation after our close sends no second close", r)
            << role << QStringLiteral("1000") << L({"rsv"}) << L({"error:1002"})
            << L({"close:1000"}) << true;
        QTest::addRow("%s: pong, then violation", r)
            << role << QString() << L({"ping:a", "rsv", "ping:b"}) << L({"ping:a", "error:1002"})
            << L({"pong:a", "close:1002"}) << true;
    }
}

void tst_Endpoint::rules()
{
    QFETCH(Role, role);
    QFETCH(QString, ourClose);
    QFETCH(QStringList, peer);
    QFETCH(QStringList, events);
    QFETCH(QStringList, output);
    QFETCH(bool, finished);

    for (const Feeding feeding : {Feeding::Whole, Feeding::ByteAtATime}) {
        Endpoint endpoint(role, smallLimits());
        QCOMPARE(endpoint.role(), role);
        if (!ourClose.isEmpty())
            QVERIFY(endpoint.sendClose(ourClose.toUShort()));
        QCOMPARE(feedAll(endpoint, peerBytes(role, peer), feeding), events);
        QCOMPARE(decodeOutput(endpoint), output);
        QCOMPARE(endpoint.isFinished(), finished);
        QCOMPARE(endpoint.closeSent(), !ourClose.isEmpty() || output.join(u',').contains(u"close"));
    }
}

void tst_Endpoint::sendsAfterClose_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("peerCloses"); // the peer's Close (echoed) instead of our own
    for (const Role role : {Role::Client, Role::Server}) {
        const char *r = role == Role::Client ? "client" : "server";
        QTest::addRow("%s: after our close", r) << role << false;
        QTest::addRow("%s: after the echo of the peer's close", r) << role << true;
    }
}

void tst_Endpoint::sendsAfterClose()
{
    QFETCH(Role, role);
    QFETCH(bool, peerCloses);
    Endpoint endpoint(role);
    QVERIFY(endpoint.sendMessage(OpCode::Text, "before"));
    QVERIFY(endpoint.sendPing("p"));
    if (peerCloses)
        QCOMPARE(feedAll(endpoint, peerBytes(role, L({"close:1000"})), Feeding::Whole),
            L({"close:1000"}));
    else
        QVERIFY(endpoint.sendClose(1000, QStringLiteral("bye")));
    QVERIFY(!endpoint.sendMessage(OpCode::Binary, "after"));
    QVERIFY(!endpoint.sendFrame(OpCode::Binary, "after", true));
    QVERIFY(!endpoint.sendPing("after"));
    QVERIFY(!endpoint.sendClose(1001));
    QCOMPARE(decodeOutput(endpoint), (L({"text:before", "ping:p", "close:1000"})));
    QCOMPARE(endpoint.closeReceived(), peerCloses);
}

void tst_Endpoint::unsendableCloseCodes_data()
{
    QTest::addColumn<quint16>("code");
    QTest::addColumn<quint16>("sent"); // 1005: an empty Close frame
    QTest::addRow("0") << quint16(0) << quint16(1005);
    QTest::addRow("1005 no status") << quint16(1005) << quint16(1005);
    QTest::addRow("1006 abnormal") << quint16(1006) << quint16(1005);
    QTest::addRow("1015 TLS") << quint16(1015) << quint16(1005);
    QTest::addRow("1000 sent as is") << quint16(1000) << quint16(1000);
    QTest::addRow("4000 sent as is") << quint16(4000) << quint16(4000);
}

void tst_Endpoint::unsendableCloseCodes()
{
    QFETCH(quint16, code);
    QFETCH(quint16, sent);
    QCOMPARE(sendableCloseCode(code), sent);
    Endpoint endpoint(Role::Server);
    QVERIFY(endpoint.sendClose(code, QStringLiteral("reason")));
    QCOMPARE(decodeOutput(endpoint), QStringList {u"close:" + QString::number(sent)});
    if (sent == 1005) // RFC 6455 §7.4.1: nothing that says 1005/1006/1015 on the wire
        QCOMPARE(endpoint.output().size(), 2);
}

void tst_Endpoint::outputBuffer()
{
    Endpoint endpoint(Role::Client);
    QCOMPARE(endpoint.output().size(), 0); // idle: nothing reserved
    QVERIFY(endpoint.sendMessage(OpCode::Binary, QByteArray(10, 'x')));
    QVERIFY(!endpoint.isOutputOversized());
    const char *before = endpoint.output().data();
    endpoint.outputWritten();
    QCOMPARE(endpoint.pendingOutput(), 0);
    QVERIFY(endpoint.sendMessage(OpCode::Binary, QByteArray(10, 'y')));
    QCOMPARE(endpoint.output().data(), before); // the buffer was kept between turns
    endpoint.outputWritten();

    // A huge message: shared with the socket, and its capacity is not kept.
    QVERIFY(endpoint.sendMessage(
        OpCode::Binary, QByteArray(Endpoint::MaxRetainedOutputCapacity + 1, 'z')));
    QVERIFY(endpoint.isOutputOversized());
    const QByteArray taken = endpoint.takeOutput();
    QVERIFY(taken.size() > Endpoint::MaxRetainedOutputCapacity);
    QCOMPARE(endpoint.pendingOutput(), 0);
    QVERIFY(endpoint.sendMessage(
        OpCode::Binary, QByteArray(Endpoint::MaxRetainedOutputCapacity + 1, 'z')));
    endpoint.outputWritten();
    QVERIFY(!endpoint.isOutputOversized());
    QVERIFY(endpoint.sendPing("p"));
    QCOMPARE(decodeOutput(endpoint), L({"ping:p"}));
}

void tst_Endpoint::heldPongsAnswerTheLatestPing()
{
    // RFC 6455 §5.5.3: while the owner holds Pongs (its peer does not read), a flood of Pings
    // costs one payload; the latest Ping is answered when the hold ends, and only it.
    Endpoint endpoint(Role::Client);
    endpoint.setPongsHeld(true);
    feedAll(endpoint, peerBytes(Role::Client, L({"ping:1", "ping:2", "ping:3"})), Feeding::Whole);
    QCOMPARE(endpoint.pendingOutput(), 0);
    endpoint.setPongsHeld(false);
    QCOMPARE(decodeOutput(endpoint), L({"pong:3"}));
    endpoint.outputWritten();
    feedAll(endpoint, peerBytes(Role::Client, L({"ping:4"})), Feeding::Whole);
    QCOMPARE(decodeOutput(endpoint), L({"pong:4"})); // answered at once again
    endpoint.outputWritten();

    // After our Close, a held Pong is not owed any more.
    endpoint.setPongsHeld(true);
    feedAll(endpoint, peerBytes(Role::Client, L({"ping:5"})), Feeding::Whole);
    QVERIFY(endpoint.sendClose(1000));
    endpoint.setPongsHeld(false);
    QCOMPARE(decodeOutput(endpoint), L({"close:1000"}));
}

void tst_Endpoint::initialOutputComesFirst()
{
    const QByteArray head = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
    Endpoint endpoint(Role::Server, {}, head);
    QCOMPARE(endpoint.output(), QByteArrayView(head));
    feedAll(endpoint, peerBytes(Role::Server, L({"ping:1"})), Feeding::Whole);
    QCOMPARE(decodeOutput(endpoint, head), L({"pong:1"}));
}

void tst_Endpoint::directReads_data()
{
    QTest::addColumn<Role>("role");
    QTest::addRow("client") << Role::Client;
    QTest::addRow("server") << Role::Server;
}

void tst_Endpoint::directReads()
{
    QFETCH(Role, role);
    QByteArray payload(200 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < payload.size(); ++i)
        payload[i] = char(i * 7);
    const QByteArray wire = rawFrame(role, 0x82, payload) + peerBytes(role, L({"ping:after"}));

    Endpoint endpoint(role);
    QList<MessageEvent> events;
    qsizetype pos = 0;
    qsizetype direct = 0;
    const auto drain = [&](QByteArrayView data) {
        for (;;) {
            const auto r = endpoint.feed(data);
            data = data.sliced(r.consumed);
            if (!r.eventReady)
                return;
            events.append(endpoint.takeEvent());
        }
    };
    while (pos < wire.size()) {
        const Endpoint::DirectBuffer b = endpoint.directBuffer();
        if (b.size > 0) {
            QVERIFY(b.size >= Endpoint::DirectReadMinimum);
            const qsizetype n = std::min(b.size, wire.size() - pos);
            std::memcpy(b.data, wire.constData() + pos, size_t(n));
            direct += n;
            pos += n;
            const auto r = endpoint.commitDirect(n);
            if (r.eventReady)
                events.append(endpoint.takeEvent());
            drain({});
            continue;
        }
        const qsizetype n = std::min<qsizetype>(100, wire.size() - pos);
        drain(QByteArrayView(wire).sliced(pos, n));
        pos += n;
    }
    drain({});
    QVERIFY(direct > payload.size() / 2);
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0).type, Type::BinaryMessage);
    QVERIFY(events.at(0).payload == payload);
    QCOMPARE(describe(events.at(1)), QStringLiteral("ping:after"));
    QCOMPARE(decodeOutput(endpoint), L({"pong:after"}));

    // The payload storage is reused for the next large message.
    const char *storage = events.at(0).payload.constData();
    endpoint.recycle(std::move(events[0].payload));
    events.clear();
    drain(rawFrame(role, 0x82, payload.first(20 * 1024)));
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).payload.constData(), storage);
}

void tst_Endpoint::noDirectReadsAfterOurClose()
{
    Endpoint endpoint(Role::Client);
    const QByteArray wire = rawFrame(Role::Client, 0x82, QByteArray(100 * 1024, 'd'));
    QCOMPARE(feedAll(endpoint, wire.first(20), Feeding::Whole), L({}));
    QVERIFY(endpoint.directBuffer().size >= Endpoint::DirectReadMinimum);
    QVERIFY(endpoint.sendClose(1000));
    QCOMPARE(endpoint.directBuffer().size, 0); // the payload would be dropped: no direct read
    QCOMPARE(feedAll(endpoint, wire.sliced(20) + peerBytes(Role::Client, L({"close:1000"})),
                 Feeding::Whole),
        L({"close:1000"}));
    QCOMPARE(decodeOutput(endpoint), L({"close:1000"}));
}

void tst_Endpoint::compressedConversation()
{
    // A client and a server endpoint talk permessage-deflate to each other (RFC 7692 §7.2).
    Endpoint::Options options;
    options.setDeflate(true, DeflateParameters());
    Endpoint client(Role::Client, options);
    Endpoint server(Role::Server, options);
    const QByteArray text = QByteArray("compressible text ").repeated(200);
    QVERIFY(client.sendMessage(OpCode::Text, text));
    QVERIFY(client.output().size() < text.size() / 4);
    QCOMPARE(feedAll(server, client.output().toByteArray(), Feeding::Whole),
        QStringList {u"text:" + QString::fromUtf8(text)});
    client.outputWritten();
    QVERIFY(server.sendMessage(OpCode::Binary, text));
    QVERIFY(server.sendClose(1000));
    QCOMPARE(feedAll(client, server.output().toByteArray(), Feeding::ByteAtATime),
        (QStringList {u"binary:" + QString::fromUtf8(text), QStringLiteral("close:1000")}));
    QCOMPARE(decodeOutput(client), L({"close:1000"}));
}

void tst_Endpoint::frameEventsDroppedAfterOurClose()
{
    Endpoint::Options options;
    options.reader.frameEvents = true;
    Endpoint endpoint(Role::Client, options);
    const QByteArray first = rawFrame(Role::Client, 0x01, "ab"); // text, not final
    const QByteArray last = rawFrame(Role::Client, 0x80, "cd"); // continuation, final
    QCOMPARE(feedAll(endpoint, first, Feeding::Whole), L({"frame:ab"}));
    QVERIFY(endpoint.sendClose(1000));
    QCOMPARE(feedAll(endpoint, last + peerBytes(Role::Client, L({"close:1000"})), Feeding::Whole),
        L({"close:1000"}));
}

QTEST_APPLESS_MAIN(tst_Endpoint)
#include "tst_endpoint.moc"
