// SPDX-License-Identifier: LGPL-3.0-or-later
#include "protocol/engineio.h"

#include <QtTest/QTest>

using namespace QtWs::EngineIo;

Q_DECLARE_METATYPE(QtWs::EngineIo::Packet)
Q_DECLARE_METATYPE(QtWs::EngineIo::Error)

namespace {
Packet pkt(PacketType t, const QByteArray &d = QByteArray())
{
    return Packet::text(t, d);
}
} // namespace

class tst_EngineIo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodePayload_data();
    void decodePayload();
    void roundTrip_data();
    void roundTrip();
    void maxPayloadLimit_data();
    void maxPayloadLimit();
    void tooManyPackets();
    void webSocketFrames_data();
    void webSocketFrames();
    void openPayload_data();
    void openPayload();
    void openPayloadRejects_data();
    void openPayloadRejects();
    void closeInfo_data();
    void closeInfo();
    void errorStrings();
};

void tst_EngineIo::decodePayload_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<Error>("error");
    QTest::addColumn<QList<Packet>>("packets");

    // Happy rows: the examples of the Engine.IO v4 protocol description.
    QTest::addRow("open") << QByteArray("0{\"sid\":\"x\"}") << Error::None
                          << QList<Packet> {pkt(PacketType::Open, "{\"sid\":\"x\"}")};
    QTest::addRow("text message") << QByteArray("4hello") << Error::None
                                  << QList<Packet> {Packet::message("hello", false)};
    QTest::addRow("empty text message")
        << QByteArray("4") << Error::None << QList<Packet> {Packet::message(QByteArray(), false)};
    QTest::addRow("binary message")
        << QByteArray("bAQIDBA==") << Error::None
        << QList<Packet> {Packet::message(QByteArray("\x01\x02\x03\x04"), true)};
    QTest::addRow("empty binary message")
        << QByteArray("b") << Error::None << QList<Packet> {Packet::message(QByteArray(), true)};
    QTest::addRow("mixed payload")
        << QByteArray("4hello\x1e"
                      "bAQIDBA==\x1e"
                      "2")
        << Error::None
        << QList<Packet> {Packet::message("hello", false),
               Packet::message("\x01\x02\x03\x04", true), pkt(PacketType::Ping)};
    QTest::addRow("probe") << QByteArray("2probe") << Error::None
                           << QList<Packet> {pkt(PacketType::Ping, "probe")};
    QTest::addRow("upgrade and noop") << QByteArray(
        "5\x1e"
        "6") << Error::None << QList<Packet> {pkt(PacketType::Upgrade), pkt(PacketType::Noop)};
    QTest::addRow("close with qtws data")
        << QByteArray("1{\"code\":1000}") << Error::None
        << QList<Packet> {pkt(PacketType::Close, "{\"code\":1000}")};
    QTest::addRow("utf-8 text") << QByteArray("4\xc3\xa9t\xc3\xa9") << Error::None
                                << QList<Packet> {Packet::message("\xc3\xa9t\xc3\xa9", false)};

    // Rainy rows.
    QTest::addRow("empty payload") << QByteArray() << Error::EmptyPacket << QList<Packet> {};
    QTest::addRow("adjacent separators") << QByteArray("4a\x1e\x1e"
                                                       "4b")
                                         << Error::EmptyPacket << QList<Packet> {};
    QTest::addRow("trailing separator")
        << QByteArray("4a\x1e") << Error::EmptyPacket << QList<Packet> {};
    QTest::addRow("type 7") << QByteArray("7x") << Error::UnknownType << QList<Packet> {};
    QTest::addRow("letter type") << QByteArray("xhello") << Error::UnknownType << QList<Packet> {};
    QTest::addRow("v3 length prefix") << QByteArray("6:4hello") << Error::None
                                      << QList<Packet> {pkt(PacketType::Noop, ":4hello")};
    QTest::addRow("bad base64") << QByteArray("b!!!!") << Error::InvalidBase64 << QList<Packet> {};
    QTest::addRow("truncated base64")
        << QByteArray("bAQI") << Error::None << QList<Packet> {Packet::message("\x01\x02", true)};
    QTest::addRow("base64 with stray padding")
        << QByteArray("bA=QI") << Error::InvalidBase64 << QList<Packet> {};
    QTest::addRow("invalid utf-8")
        << QByteArray("4\xc3\x28") << Error::InvalidUtf8 << QList<Packet> {};
    QTest::addRow("overlong utf-8")
        << QByteArray("4\xc0\xaf") << Error::InvalidUtf8 << QList<Packet> {};
    QTest::addRow("second packet bad") << QByteArray("4ok\x1e"
                                                     "9")
                                       << Error::UnknownType << QList<Packet> {};
}

void tst_EngineIo::decodePayload()
{
    QFETCH(QByteArray, payload);
    QFETCH(Error, error);
    QFETCH(QList<Packet>, packets);
    const DecodeResult r = QtWs::EngineIo::decodePayload(payload);
    QCOMPARE(r.error, error);
    QCOMPARE(r.isValid(), error == Error::None);
    if (r.isValid()) {
        QCOMPARE(r.packets, packets);
        QVERIFY(r.detail.isEmpty());
    } else {
        QVERIFY(r.packets.isEmpty());
        QVERIFY2(!r.detail.isEmpty(), "an error names what the peer sent");
    }
}

void tst_EngineIo::roundTrip_data()
{
    QTest::addColumn<QList<Packet>>("packets");
    QTest::addColumn<QByteArray>("wire");
    QTest::addRow("single text") << QList<Packet> {Packet::message("hi", false)}
                                 << QByteArray("4hi");
    QTest::addRow("binary") << QList<Packet> {Packet::message(QByteArray("\0\xff", 2), true)}
                            << QByteArray("bAP8=");
    QTest::addRow("ping pong") << QList<Packet> {pkt(PacketType::Ping),
        pkt(PacketType::Pong, "probe")}
                               << QByteArray("2\x1e"
                                             "3probe");
    QTest::addRow("all types") << QList<Packet> {pkt(PacketType::Open, "{}"),
        pkt(PacketType::Close), pkt(PacketType::Ping), pkt(PacketType::Pong),
        Packet::message("m", false), pkt(PacketType::Upgrade), pkt(PacketType::Noop)}
                               << QByteArray("0{}\x1e"
                                             "1\x1e"
                                             "2\x1e"
                                             "3\x1e"
                                             "4m\x1e"
                                             "5\x1e"
                                             "6");
    QTest::addRow("text containing digits and b")
        << QList<Packet> {Packet::message("b4\x1f", false)} << QByteArray("4b4\x1f");
}

void tst_EngineIo::roundTrip()
{
    QFETCH(QList<Packet>, packets);
    QFETCH(QByteArray, wire);
    QCOMPARE(encodePayload(packets), wire);
    const DecodeResult r = QtWs::EngineIo::decodePayload(wire);
    QVERIFY2(r.isValid(), qPrintable(r.detail));
    QCOMPARE(r.packets, packets);
}

void tst_EngineIo::maxPayloadLimit_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("limit");
    QTest::addColumn<bool>("accepted");
    // Paired rows: exactly at the limit passes, one byte over fails.
    QTest::addRow("at limit") << qsizetype(100) << qsizetype(100) << true;
    QTest::addRow("one over") << qsizetype(101) << qsizetype(100) << false;
    QTest::addRow("default limit at") << DefaultMaxPayload << DefaultMaxPayload << true;
    QTest::addRow("default limit over") << DefaultMaxPayload + 1 << DefaultMaxPayload << false;
}

void tst_EngineIo::maxPayloadLimit()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, limit);
    QFETCH(bool, accepted);
    const QByteArray payload = '4' + QByteArray(size - 1, 'x');
    const DecodeResult r = QtWs::EngineIo::decodePayload(payload, limit);
    QCOMPARE(r.isValid(), accepted);
    if (!accepted)
        QCOMPARE(r.error, Error::PayloadTooLarge);
}

void tst_EngineIo::tooManyPackets()
{
    QList<Packet> many(11, pkt(PacketType::Noop));
    const QByteArray wire = encodePayload(many);
    QCOMPARE(QtWs::EngineIo::decodePayload(wire, DefaultMaxPayload, 11).packets.size(), 11);
    QCOMPARE(
        QtWs::EngineIo::decodePayload(wire, DefaultMaxPayload, 10).error, Error::TooManyPackets);
}

void tst_EngineIo::webSocketFrames_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("binaryFrame");
    QTest::addRow("text message") << Packet::message("hello", false) << QByteArray("4hello")
                                  << false;
    QTest::addRow("binary message is bare")
        << Packet::message("\x01\x02", true) << QByteArray("\x01\x02") << true;
    QTest::addRow("probe") << pkt(PacketType::Ping, "probe") << QByteArray("2probe") << false;
    QTest::addRow("upgrade") << pkt(PacketType::Upgrade) << QByteArray("5") << false;
    QTest::addRow("binary starting with digit")
        << Packet::message("4abc", true) << QByteArray("4abc") << true;
}

void tst_EngineIo::webSocketFrames()
{
    QFETCH(Packet, packet);
    QFETCH(QByteArray, frame);
    QFETCH(bool, binaryFrame);
    bool binary = !binaryFrame;
    QCOMPARE(encodeWebSocketPacket(packet, &binary), frame);
    QCOMPARE(binary, binaryFrame);
    const DecodeResult r = decodeWebSocketFrame(frame, binaryFrame);
    QVERIFY(r.isValid());
    QCOMPARE(r.packets, QList<Packet> {packet});
}

void tst_EngineIo::openPayload_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<OpenPayload>("expected");
    OpenPayload full;
    full.sid = QStringLiteral("lv_VI97HAXpY6yYWAAAC");
    full.upgrades = QStringList {QStringLiteral("websocket")};
    full.pingInterval = std::chrono::milliseconds(25000);
    full.pingTimeout = std::chrono::milliseconds(5000);
    full.maxPayload = 1000000;
    QTest::addRow("protocol example") << QByteArray(
        R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
        R"("pingTimeout":5000,"maxPayload":1000000})")
                                      << full;
    OpenPayload noMax = full;
    noMax.upgrades.clear();
    noMax.maxPayload = DefaultMaxPayload;
    QTest::addRow("no maxPayload, no upgrades") << QByteArray(
        R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":5000})")
                                                << noMax;
}

void tst_EngineIo::openPayload()
{
    QFETCH(QByteArray, json);
    QFETCH(OpenPayload, expected);
    const auto parsed = OpenPayload::fromJson(json);
    QVERIFY(parsed);
    QCOMPARE(*parsed, expected);
    const auto again = OpenPayload::fromJson(expected.toJson());
    QVERIFY(again);
    QCOMPARE(*again, expected);
}

void tst_EngineIo::openPayloadRejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addRow("not json") << QByteArray("sid=1");
    QTest::addRow("array") << QByteArray("[]");
    QTest::addRow("no sid") << QByteArray(R"({"upgrades":[],"pingInterval":1,"pingTimeout":1})");
    QTest::addRow("empty sid") << QByteArray(
        R"({"sid":"","upgrades":[],"pingInterval":1,"pingTimeout":1})");
    QTest::addRow("numeric sid") << QByteArray(
        R"({"sid":5,"upgrades":[],"pingInterval":1,"pingTimeout":1})");
    QTest::addRow("upgrades not array")
        << QByteArray(R"({"sid":"a","upgrades":"websocket","pingInterval":1,"pingTimeout":1})");
    QTest::addRow("upgrade not string")
        << QByteArray(R"({"sid":"a","upgrades":[1],"pingInterval":1,"pingTimeout":1})");
    QTest::addRow("zero interval")
        << QByteArray(R"({"sid":"a","upgrades":[],"pingInterval":0,"pingTimeout":1})");
    QTest::addRow("string timeout")
        << QByteArray(R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":"1"})");
    // Found by fuzz_engineio: a fraction used to become 0 (a timer that fires at once).
    QTest::addRow("fractional timeout")
        << QByteArray(R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1.15})");
    QTest::addRow("interval beyond int")
        << QByteArray(R"({"sid":"a","upgrades":[],"pingInterval":3e9,"pingTimeout":1})");
    QTest::addRow("fractional maxPayload") << QByteArray(
        R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":0.5})");
    QTest::addRow("string maxPayload") << QByteArray(
        R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":"9"})");
}

void tst_EngineIo::openPayloadRejects()
{
    QFETCH(QByteArray, json);
    QVERIFY(!OpenPayload::fromJson(json));
}

void tst_EngineIo::closeInfo_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addRow("normal") << QByteArray(R"({"code":1000,"reason":"bye"})") << true << 1000
                            << QStringLiteral("bye");
    QTest::addRow("no reason") << QByteArray(R"({"code":1011})") << true << 1011 << QString();
    QTest::addRow("application code") << QByteArray(R"({"code":4999,"reason":"\u00e9"})") << true
                                      << 4999 << QStringLiteral("\u00e9");
    QTest::addRow("empty (stock peer)") << QByteArray() << false << 0 << QString();
    QTest::addRow("foreign text") << QByteArray("transport close") << false << 0 << QString();
    QTest::addRow("code too small") << QByteArray(R"({"code":999})") << false << 0 << QString();
    QTest::addRow("code too large") << QByteArray(R"({"code":5000})") << false << 0 << QString();
    QTest::addRow("fractional code") << QByteArray(R"({"code":1000.5})") << false << 0 << QString();
    QTest::addRow("reason not string")
        << QByteArray(R"({"code":1000,"reason":1})") << false << 0 << QString();
}

void tst_EngineIo::closeInfo()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    QFETCH(int, code);
    QFETCH(QString, reason);
    const auto info = CloseInfo::fromJson(json);
    QCOMPARE(bool(info), valid);
    if (!valid)
        return;
    QCOMPARE(int(info->code), code);
    QCOMPARE(info->reason, reason);
    QCOMPARE(CloseInfo::fromJson(info->toJson()), info);
    // The close packet stays a plain close packet for any Engine.IO decoder.
    const DecodeResult r
        = decodePacket(encodePollingPacket(pkt(PacketType::Close, info->toJson())));
    QVERIFY(r.isValid());
    QCOMPARE(r.packets.front().type, PacketType::Close);
}

void tst_EngineIo::errorStrings()
{
    for (Error e : {Error::None, Error::EmptyPacket, Error::UnknownType, Error::InvalidBase64,
             Error::InvalidUtf8, Error::PayloadTooLarge, Error::TooManyPackets})
        QVERIFY(!errorString(e).isEmpty());
    QVERIFY(errorString(Error::InvalidBase64) != errorString(Error::InvalidUtf8));
}

QTEST_APPLESS_MAIN(tst_EngineIo)
#include "tst_engineio.moc"
