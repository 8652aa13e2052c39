// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/socks.h"

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::SocksError)
Q_DECLARE_METATYPE(QtWs::Protocol::SocksReplyParser::Kind)
Q_DECLARE_METATYPE(QtWs::Protocol::SocksReplyParser::Status)

namespace {

using Kind = SocksReplyParser::Kind;
using Status = SocksReplyParser::Status;

struct Outcome
{
    Status status = Status::NeedMore;
    qsizetype consumed = 0;
};

// Feeds \a input in pieces of \a step bytes (0: all at once) until Done or Error; a NeedMore
// must consume the whole piece.
Outcome feedInSteps(SocksReplyParser &parser, const QByteArray &input, qsizetype step)
{
    Outcome o;
    if (step <= 0)
        step = qMax<qsizetype>(input.size(), 1);
    qsizetype pos = 0;
    while (pos < input.size()) {
        const qsizetype n = qMin(step, input.size() - pos);
        const auto r = parser.feed(QByteArrayView(input).sliced(pos, n));
        o.status = r.status;
        if (r.status != Status::NeedMore) {
            o.consumed = pos + r.consumed;
            return o;
        }
        if (r.consumed != n) {
            o.consumed = -1;
            return o;
        }
        pos += n;
    }
    o.consumed = pos;
    return o;
}

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

// A host name made of labels of the given lengths (DNS labels hold at most 63 bytes).
QString hostName(std::initializer_list<int> labels)
{
    QStringList parts;
    for (const int length : labels)
        parts.append(QString(length, QLatin1Char('a')));
    return parts.join(QLatin1Char('.'));
}

const QString Name255 = hostName({63, 63, 63, 63});
const QString Name256 = hostName({63, 63, 63, 62, 1});

} // namespace

class tst_Socks : public QObject
{
    Q_OBJECT
private slots:
    void socks4Requests_data();
    void socks4Requests();
    void socks5Requests_data();
    void socks5Requests();
    void replies_data();
    void replies();
    void tunnelDataStaysWithTheCaller();
    void reset();
    void descriptions();
};

void tst_Socks::socks4Requests_data()
{
    QTest::addColumn<bool>("socks4a");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QByteArray>("userId");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<SocksError>("error");

    const auto ok = SocksError::NoError;
    QTest::addRow("IPv4") << false << QStringLiteral("192.0.2.1") << QByteArray()
                          << hex("040101bbc000020100") << ok;
    QTest::addRow("IPv4, user id") << false << QStringLiteral("192.0.2.1") << QByteArray("bob")
                                   << hex("040101bbc0000201626f6200") << ok;
    QTest::addRow("user id at the limit")
        << false << QStringLiteral("10.0.0.1") << QByteArray(SocksLimits::MaxSocks4UserIdBytes, 'u')
        << QByteArray(
               hex("040101bb0a000001") + QByteArray(SocksLimits::MaxSocks4UserIdBytes, 'u') + '\0')
        << ok;
    QTest::addRow("IPv6") << false << QStringLiteral("2001:db8::1") << QByteArray() << QByteArray()
                          << SocksError::InvalidAddress;
    QTest::addRow("IPv4-mapped IPv6") << false << QStringLiteral("::ffff:192.0.2.1") << QByteArray()
                                      << hex("040101bbc000020100") << ok;
    QTest::addRow("null address") << false << QString() << QByteArray() << QByteArray()
                                  << SocksError::InvalidAddress;
    QTest::addRow("user id too long") << false << QStringLiteral("10.0.0.1")
                                      << QByteArray(SocksLimits::MaxSocks4UserIdBytes + 1, 'u')
                                      << QByteArray() << SocksError::InvalidUserId;
    QTest::addRow("NUL in user id") << false << QStringLiteral("10.0.0.1") << QByteArray("b\0b", 3)
                                    << QByteArray() << SocksError::InvalidUserId;
    // SOCKS4a: DSTIP 0.0.0.1, user id, NUL, name, NUL.
    QTest::addRow("4a name") << true << QStringLiteral("example.org") << QByteArray()
                             << QByteArray(hex("040101bb0000000100") + "example.org" + '\0') << ok;
    QTest::addRow("4a IDN") << true << QStringLiteral("b\u00fccher.example") << QByteArray("me")
                            << QByteArray(hex("040101bb00000001") + "me" + '\0'
                                   + "xn--bcher-kva.example" + '\0')
                            << ok;
    QTest::addRow("4a IP literal")
        << true << QStringLiteral("192.0.2.1") << QByteArray() << hex("040101bbc000020100") << ok;
    QTest::addRow("4a empty name")
        << true << QString() << QByteArray() << QByteArray() << SocksError::InvalidHostName;
    QTest::addRow("4a name with space") << true << QStringLiteral("exa mple.org") << QByteArray()
                                        << QByteArray() << SocksError::InvalidHostName;
    QTest::addRow("4a name too long")
        << true << Name256 << QByteArray() << QByteArray() << SocksError::InvalidHostName;
    QTest::addRow("4a NUL in user id")
        << true << QStringLiteral("example.org") << QByteArray("\0", 1) << QByteArray()
        << SocksError::InvalidUserId;
}

void tst_Socks::socks4Requests()
{
    QFETCH(bool, socks4a);
    QFETCH(QString, host);
    QFETCH(QByteArray, userId);
    QFETCH(QByteArray, expected);
    QFETCH(SocksError, error);

    const SocksRequest r = socks4a ? socks4aConnectRequest(host, 443, userId)
                                   : socks4ConnectRequest(QHostAddress(host), 443, userId);
    QCOMPARE(r.error, error);
    QCOMPARE(r.bytes.toHex(), expected.toHex());
    QCOMPARE(r.isValid(), error == SocksError::NoError);
    QCOMPARE(r.errorString.isEmpty(), r.isValid());
}

void tst_Socks::socks5Requests_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<SocksError>("error");

    const auto ok = SocksError::NoError;
    auto row = [](const char *name, const SocksRequest &r, const QByteArray &expected) {
        QTest::addRow("%s", name) << r.bytes << expected << r.error;
    };
    QTest::addRow("greeting") << socks5Greeting(false) << hex("050100") << ok;
    QTest::addRow("greeting with RFC 1929") << socks5Greeting(true) << hex("05020002") << ok;
    row("user/pass",
        socks5UsernamePasswordRequest(QStringLiteral("alice"), QStringLiteral("secret")),
        QByteArray(hex("0105") + "alice" + hex("06") + "secret"));
    row("user/pass UTF-8",
        socks5UsernamePasswordRequest(QStringLiteral("\u00e9"), QStringLiteral("p")),
        hex("0102c3a90170"));
    row("user/pass at 255",
        socks5UsernamePasswordRequest(
            QString(255, QLatin1Char('u')), QString(255, QLatin1Char('p'))),
        QByteArray(hex("01ff") + QByteArray(255, 'u') + hex("ff") + QByteArray(255, 'p')));
    row("empty user", socks5UsernamePasswordRequest(QString(), QStringLiteral("p")), QByteArray());
    row("empty password", socks5UsernamePasswordRequest(QStringLiteral("u"), QString()),
        QByteArray());
    row("user 256 bytes",
        socks5UsernamePasswordRequest(QString(256, QLatin1Char('u')), QStringLiteral("p")),
        QByteArray());
    row("password 256 bytes (128 two-byte characters)",
        socks5UsernamePasswordRequest(QStringLiteral("u"), QString(128, QChar(0xe9))),
        QByteArray());
    row("IPv4", socks5ConnectRequest(QHostAddress(QStringLiteral("192.0.2.1")), 443),
        hex("05010001c000020101bb"));
    row("IPv6", socks5ConnectRequest(QHostAddress(QStringLiteral("2001:db8::1")), 443),
        hex("0501000420010db800000000000000000000000101bb"));
    row("IPv6 literal in brackets", socks5ConnectRequest(QStringLiteral("[::1]"), 80),
        hex("05010004000000000000000000000000000000010050"));
    row("IPv4 literal as text", socks5ConnectRequest(QStringLiteral("10.1.2.3"), 8080),
        hex("050100010a0102031f90"));
    row("name (SOCKS5h)", socks5ConnectRequest(QStringLiteral("example.org"), 443),
        QByteArray(hex("050100030b") + "example.org" + hex("01bb")));
    row("IDN", socks5ConnectRequest(QStringLiteral("b\u00fccher.example"), 80),
        QByteArray(hex("0501000315") + "xn--bcher-kva.example" + hex("0050")));
    row("name of 255 bytes", socks5ConnectRequest(Name255, 1),
        QByteArray(hex("05010003ff") + Name255.toLatin1() + hex("0001")));
    row("name of 256 bytes", socks5ConnectRequest(Name256, 1), QByteArray());
    row("empty name", socks5ConnectRequest(QString(), 1), QByteArray());
    row("null address", socks5ConnectRequest(QHostAddress(), 1), QByteArray());
}

void tst_Socks::socks5Requests()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, expected);
    QFETCH(SocksError, error);
    QCOMPARE(bytes.toHex(), expected.toHex());
    // Rows without bytes are the refusals: each is a typed error.
    QCOMPARE(error == SocksError::NoError, !expected.isEmpty());
}

void tst_Socks::replies_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<bool>("offered"); // username/password offered in the greeting
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<Status>("status");
    QTest::addColumn<int>("consumed");
    QTest::addColumn<SocksError>("error");
    QTest::addColumn<QString>("detail"); // bound address after Done, else in errorString

    const auto ok = SocksError::NoError;
    // SOCKS4
    QTest::addRow("4 granted") << Kind::Socks4Reply << false << hex("005a1f90c0000201")
                               << Status::Done << 8 << ok << QStringLiteral("192.0.2.1:8080");
    QTest::addRow("4 granted, VN 4") << Kind::Socks4Reply << false << hex("045a000000000000")
                                     << Status::Done << 8 << ok << QStringLiteral("0.0.0.0:0");
    QTest::addRow("4 rejected") << Kind::Socks4Reply << false << hex("005b000000000000")
                                << Status::Error << 2 << SocksError::Socks4Rejected
                                << QStringLiteral("code 0x5b, reply 00 5b");
    QTest::addRow("4 identd unreachable")
        << Kind::Socks4Reply << false << hex("005c") << Status::Error << 2
        << SocksError::Socks4IdentdUnreachable << QStringLiteral("identd");
    QTest::addRow("4 identd mismatch")
        << Kind::Socks4Reply << false << hex("005d") << Status::Error << 2
        << SocksError::Socks4IdentdMismatch << QStringLiteral("different user id");
    QTest::addRow("4 unknown code") << Kind::Socks4Reply << false << hex("0001") << Status::Error
                                    << 2 << SocksError::UnknownReplyCode << QStringLiteral("0x1");
    QTest::addRow("4 bad version") << Kind::Socks4Reply << false << hex("055a") << Status::Error
                                   << 1 << SocksError::InvalidVersion << QStringLiteral("SOCKS4");
    QTest::addRow("4 from an HTTP proxy")
        << Kind::Socks4Reply << false << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n")
        << Status::Error << 1 << SocksError::InvalidVersion << QStringLiteral("HTTP");
    QTest::addRow("4 partial") << Kind::Socks4Reply << false << hex("005a1f") << Status::NeedMore
                               << 3 << ok << QString();
    // SOCKS5 method selection
    QTest::addRow("method none") << Kind::Socks5MethodSelection << false << hex("0500")
                                 << Status::Done << 2 << ok << QString();
    QTest::addRow("method user/pass") << Kind::Socks5MethodSelection << true << hex("0502")
                                      << Status::Done << 2 << ok << QString();
    QTest::addRow("method user/pass not offered")
        << Kind::Socks5MethodSelection << false << hex("0502") << Status::Error << 2
        << SocksError::UnexpectedMethod << QStringLiteral("0x2");
    QTest::addRow("method GSSAPI")
        << Kind::Socks5MethodSelection << true << hex("0501") << Status::Error << 2
        << SocksError::UnexpectedMethod << QStringLiteral("0x1");
    QTest::addRow("no acceptable method")
        << Kind::Socks5MethodSelection << false << hex("05ff") << Status::Error << 2
        << SocksError::NoAcceptableMethod << QStringLiteral("user name and password");
    QTest::addRow("method from SOCKS4 server")
        << Kind::Socks5MethodSelection << false << hex("005b") << Status::Error << 1
        << SocksError::InvalidVersion << QStringLiteral("sent 00");
    // RFC 1929
    QTest::addRow("auth success") << Kind::Socks5UsernamePasswordReply << true << hex("0100")
                                  << Status::Done << 2 << ok << QString();
    QTest::addRow("auth success, VER 5") << Kind::Socks5UsernamePasswordReply << true << hex("0500")
                                         << Status::Done << 2 << ok << QString();
    QTest::addRow("auth failure") << Kind::Socks5UsernamePasswordReply << true << hex("0101")
                                  << Status::Error << 2 << SocksError::AuthenticationFailed
                                  << QStringLiteral("status 0x1");
    QTest::addRow("auth bad version")
        << Kind::Socks5UsernamePasswordReply << true << hex("0200") << Status::Error << 1
        << SocksError::InvalidVersion << QStringLiteral("RFC 1929");
    // SOCKS5 CONNECT reply
    QTest::addRow("5 IPv4") << Kind::Socks5Reply << false << hex("050000017f0000011f90")
                            << Status::Done << 10 << ok << QStringLiteral("127.0.0.1:8080");
    QTest::addRow("5 IPv6") << Kind::Socks5Reply << false
                            << hex("0500000420010db8000000000000000000000001c350") << Status::Done
                            << 22 << ok << QStringLiteral("[2001:db8::1]:50000");
    QTest::addRow("5 name") << Kind::Socks5Reply << false
                            << QByteArray(hex("050000030b") + "example.org" + hex("0050"))
                            << Status::Done << 18 << ok << QStringLiteral("example.org:80");
    QTest::addRow("5 empty name") << Kind::Socks5Reply << false << hex("05000003000050")
                                  << Status::Done << 7 << ok << QStringLiteral(":80");
    QTest::addRow("5 name of 255")
        << Kind::Socks5Reply << false
        << QByteArray(hex("05000003ff") + QByteArray(255, 'n') + hex("0001")) << Status::Done
        << int(SocksLimits::MaxReplyBytes) << ok
        << QString(QString(255, QLatin1Char('n')) + QStringLiteral(":1"));
    QTest::addRow("5 RSV not zero") << Kind::Socks5Reply << false << hex("0500ff01000000000000")
                                    << Status::Done << 10 << ok << QStringLiteral("0.0.0.0:0");
    const char *names[] = {"general SOCKS server failure", "not allowed by ruleset",
        "network unreachable", "host unreachable", "connection refused", "TTL expired",
        "command not supported", "address type not supported"};
    for (int rep = 1; rep <= 8; ++rep) {
        QTest::addRow("5 REP %d", rep)
            << Kind::Socks5Reply << false
            << QByteArray(hex("0500000100000000") + char(0) + char(0))
                   .replace(1, 1, QByteArray(1, char(rep)))
            << Status::Error << 2 << SocksError(int(SocksError::GeneralFailure) + rep - 1)
            << QString::fromLatin1(names[rep - 1]);
    }
    QTest::addRow("5 REP 9") << Kind::Socks5Reply << false << hex("0509") << Status::Error << 2
                             << SocksError::UnknownReplyCode << QStringLiteral("REP 0x9");
    QTest::addRow("5 unknown ATYP")
        << Kind::Socks5Reply << false << hex("0500000200") << Status::Error << 4
        << SocksError::UnknownAddressType << QStringLiteral("address type 2");
    QTest::addRow("5 bad version") << Kind::Socks5Reply << false << hex("0400") << Status::Error
                                   << 1 << SocksError::InvalidVersion << QStringLiteral("SOCKS5");
    QTest::addRow("5 from an HTTP proxy")
        << Kind::Socks5Reply << false << QByteArray("HTTP/1.0 200 Connection established\r\n")
        << Status::Error << 1 << SocksError::InvalidVersion << QStringLiteral("HTTP");
    QTest::addRow("5 partial name") << Kind::Socks5Reply << false << hex("050000030b6578")
                                    << Status::NeedMore << 7 << ok << QString();
    // Captured from Dante 1.4.2 (Debian 12) on loopback.
    QTest::addRow("Dante 5 success")
        << Kind::Socks5Reply << false << hex("050000017f000001e415") << Status::Done << 10 << ok
        << QStringLiteral("127.0.0.1:58389");
    QTest::addRow("Dante 5 refused")
        << Kind::Socks5Reply << false << hex("050500017f0000019df3") << Status::Error << 2
        << SocksError::ConnectionRefused << QStringLiteral("REP 0x5");
    QTest::addRow("Dante 4 granted")
        << Kind::Socks4Reply << false << hex("005add637f000001") << Status::Done << 8 << ok
        << QStringLiteral("127.0.0.1:56675");
    QTest::addRow("Dante 4a rejected")
        << Kind::Socks4Reply << false << hex("005bd9557f000001") << Status::Error << 2
        << SocksError::Socks4Rejected << QStringLiteral("request rejected");
    QTest::addRow("Dante 5 no user/pass")
        << Kind::Socks5MethodSelection << true << hex("05ff") << Status::Error << 2
        << SocksError::NoAcceptableMethod << QStringLiteral("no authentication, username/password");
    QTest::addRow("empty") << Kind::Socks5Reply << false << QByteArray() << Status::NeedMore << 0
                           << ok << QString();
}

void tst_Socks::replies()
{
    QFETCH(Kind, kind);
    QFETCH(bool, offered);
    QFETCH(QByteArray, input);
    QFETCH(Status, status);
    QFETCH(int, consumed);
    QFETCH(SocksError, error);
    QFETCH(QString, detail);

    // All at once, byte at a time, and in pieces of 3: the same outcome.
    for (const qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(3)}) {
        SocksReplyParser parser(kind, offered);
        const Outcome o = feedInSteps(parser, input, step);
        QCOMPARE(o.status, status);
        QCOMPARE(o.consumed, qsizetype(consumed));
        QCOMPARE(parser.status(), status);
        QCOMPARE(parser.error(), error);
        QCOMPARE(parser.kind(), kind);
        QVERIFY(parser.received().size() <= SocksLimits::MaxReplyBytes);
        if (status == Status::Error) {
            QVERIFY2(parser.errorString().contains(detail), qPrintable(parser.errorString()));
        } else {
            QVERIFY(parser.errorString().isEmpty());
        }
        if (status == Status::Done && !detail.isEmpty())
            QCOMPARE(parser.boundAddress().toString(), detail);
        if (status != Status::NeedMore) {
            // Nothing more is taken until reset().
            const auto again = parser.feed("\x05\x00");
            QCOMPARE(again.status, status);
            QCOMPARE(again.consumed, qsizetype(0));
        }
    }
}

void tst_Socks::tunnelDataStaysWithTheCaller()
{
    // The proxy's reply and the first tunnelled bytes arrive together: only the reply is taken.
    const QByteArray tls = hex("160301");
    SocksReplyParser parser(Kind::Socks5Reply);
    const QByteArray bytes = hex("05000001c0000201") + hex("01bb") + tls;
    const auto r = parser.feed(bytes);
    QCOMPARE(r.status, Status::Done);
    QCOMPARE(bytes.sliced(r.consumed), tls);
    QCOMPARE(parser.boundAddress().type, SocksAddress::Type::IPv4);
    QCOMPARE(parser.boundAddress().port, quint16(443));
    QCOMPARE(parser.replyCode(), quint8(0));

    SocksReplyParser four(Kind::Socks4Reply);
    const QByteArray four8 = hex("005a000000000000") + tls;
    QCOMPARE(four.feed(four8).consumed, qsizetype(8));

    SocksReplyParser method(Kind::Socks5MethodSelection, true);
    QCOMPARE(method.feed(QByteArray(hex("0502") + hex("0100"))).consumed, qsizetype(2));
    QCOMPARE(method.method(), Socks5Method::UsernamePassword);
}

void tst_Socks::reset()
{
    SocksReplyParser parser(Kind::Socks5Reply);
    QCOMPARE(parser.feed(hex("0505")).status, Status::Error);
    QCOMPARE(parser.error(), SocksError::ConnectionRefused);
    QCOMPARE(parser.replyCode(), quint8(5));
    parser.reset();
    QCOMPARE(parser.status(), Status::NeedMore);
    QCOMPARE(parser.error(), SocksError::NoError);
    QVERIFY(parser.errorString().isEmpty());
    QVERIFY(parser.received().isEmpty());
    QCOMPARE(parser.feed(hex("050000017f0000010050")).status, Status::Done);
    QCOMPARE(parser.boundAddress().toString(), QStringLiteral("127.0.0.1:80"));
}

void tst_Socks::descriptions()
{
    for (int e = int(SocksError::NoError); e <= int(SocksError::UnknownReplyCode); ++e)
        QVERIFY(!socksErrorString(SocksError(e)).isEmpty());
    QCOMPARE(socksErrorString(SocksError::NotAllowedByRuleset),
        QStringLiteral("connection not allowed by ruleset"));
}

QTEST_APPLESS_MAIN(tst_Socks)
#include "tst_socks.moc"
