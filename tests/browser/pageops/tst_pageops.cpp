// SPDX-License-Identifier: LGPL-3.0-or-later
// What a page posts to the web bridge (pageops.h), decoded without a page: every operation of websocket.js, and
// numbers no uint32 can hold (they were converted with undefined behaviour before PageOps checked them).
#include "pageops.h"

#include <QtCore/QJsonDocument>
#include <QtTest/QTest>

using namespace QtWs;
using Kind = PageOps::Op::Kind;

class tst_PageOps : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void operations();
    void documentNumbers_data();
    void documentNumbers();
    void pullSerials_data();
    void pullSerials();
    void openRefusal_data();
    void openRefusal();
};

static QJsonArray array(const char *json)
{
    return QJsonDocument::fromJson(json).array();
}

void tst_PageOps::operations()
{
    // No raw strings with "//" in them: moc reads them as comments.
    PageOps::Op op = PageOps::decode(array(
        "[\"open\", 7, 1, \"wss:\\/\\/h.example/s\", [\"chat\", 5], \"https:\\/\\/app.example\"]"));
    QCOMPARE(op.kind, Kind::Open);
    QCOMPARE(op.document, 7u);
    QCOMPARE(op.socket, 1);
    QCOMPARE(op.url, QStringLiteral("wss://h.example/s"));
    QCOMPARE(op.protocols, QStringList({QStringLiteral("chat"), QString()}));
    QCOMPARE(op.frameOrigin, QStringLiteral("https://app.example"));

    op = PageOps::decode(array(R"(["binary", 7, 1, "AAEC/w=="])"));
    QCOMPARE(op.kind, Kind::Binary);
    QCOMPARE(op.data, QByteArray::fromHex("000102ff"));

    op = PageOps::decode(array(R"(["close", 7, 1, 4000, "bye", true])"));
    QCOMPARE(op.kind, Kind::Close);
    QCOMPARE(op.code, 4000);
    QCOMPARE(op.text, QStringLiteral("bye"));
    QVERIFY(op.wasConnecting);

    op = PageOps::decode(array(R"(["close", 7, 1, 1e20, null, false])"));
    QCOMPARE(op.code, -1);

    QCOMPARE(PageOps::decode(array(R"(["text", 7, 2, "hi"])")).text, QStringLiteral("hi"));
    QCOMPARE(PageOps::decode(array("[\"resolve\", 7, 3, \"ws:\\/\\/h/\"]")).kind, Kind::Resolve);
    QCOMPARE(PageOps::decode(array(R"(["bye", 7])")).kind, Kind::Bye);
    QCOMPARE(PageOps::decode(array(R"(["drop", 7, 1])")).kind, Kind::Drop);
    QCOMPARE(PageOps::decode(array(R"(["exec", 7, 1])")).kind, Kind::Invalid);
    QCOMPARE(PageOps::decode(array(R"([])")).kind, Kind::Invalid);
}

void tst_PageOps::documentNumbers_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<quint32>("document");
    QTest::addRow("0") << QByteArray(R"(["hello", 0])") << true << 0u;
    QTest::addRow("2^32-1") << QByteArray(R"(["hello", 4294967295])") << true << 4294967295u;
    QTest::addRow("2^32") << QByteArray(R"(["hello", 4294967296])") << false << 0u;
    QTest::addRow("1e300") << QByteArray(R"(["hello", 1e300])") << false << 0u;
    QTest::addRow("-1") << QByteArray(R"(["hello", -1])") << false << 0u;
    QTest::addRow("0.5") << QByteArray(R"(["hello", 0.5])") << false << 0u;
    QTest::addRow("string") << QByteArray(R"(["hello", "1"])") << false << 0u;
    QTest::addRow("missing") << QByteArray(R"(["bye"])") << false << 0u;
}

void tst_PageOps::documentNumbers()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    QFETCH(quint32, document);
    const PageOps::Op op = PageOps::decode(array(json.constData()));
    QCOMPARE(op.kind != Kind::Invalid, valid);
    QCOMPARE(op.document, document);
}

void tst_PageOps::pullSerials_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<quint32>("serial");
    QTest::addRow("1") << QByteArray(R"(["pull", 1, 1, 1])") << 1u;
    QTest::addRow("-3") << QByteArray(R"(["pull", 1, 1, -3])") << 0u;
    QTest::addRow("1e300") << QByteArray(R"(["pull", 1, 1, 1e300])") << 0u;
    QTest::addRow("null") << QByteArray(R"(["pull", 1, 1, null])") << 0u;
}

void tst_PageOps::pullSerials()
{
    QFETCH(QByteArray, json);
    QFETCH(quint32, serial);
    const PageOps::Op op = PageOps::decode(array(json.constData()));
    QCOMPARE(op.kind, Kind::Pull);
    QCOMPARE(op.serial, serial);
}

void tst_PageOps::openRefusal_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QStringList>("protocols");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QString>("refusal");
    const QString https = QStringLiteral("https://app.example");
    QTest::addRow("ok") << QStringLiteral("wss://h.example/s")
                        << QStringList {QStringLiteral("a"), QStringLiteral("b")} << https
                        << QString();
    QTest::addRow("http") << QStringLiteral("http://h.example/") << QStringList() << https
                          << QStringLiteral("invalid URL");
    QTest::addRow("fragment") << QStringLiteral("ws://h.example/#f") << QStringList() << https
                              << QStringLiteral("invalid URL");
    QTest::addRow("port 25") << QStringLiteral("wss://h.example:25/") << QStringList() << https
                             << QStringLiteral("restricted port");
    QTest::addRow("mixed") << QStringLiteral("ws://h.example/") << QStringList() << https
                           << QStringLiteral("mixed content");
    QTest::addRow("loopback ws") << QStringLiteral("ws://127.0.0.1:8080/") << QStringList() << https
                                 << QString();
    QTest::addRow("twice") << QStringLiteral("wss://h.example/")
                           << QStringList {QStringLiteral("a"), QStringLiteral("a")} << https
                           << QStringLiteral("invalid subprotocol");
    QTest::addRow("not a token") << QStringLiteral("wss://h.example/")
                                 << QStringList {QStringLiteral("a b")} << https
                                 << QStringLiteral("invalid subprotocol");
    QTest::addRow("empty") << QStringLiteral("wss://h.example/") << QStringList {QString()} << https
                           << QStringLiteral("invalid subprotocol");
}

void tst_PageOps::openRefusal()
{
    QFETCH(QString, url);
    QFETCH(QStringList, protocols);
    QFETCH(QString, origin);
    QFETCH(QString, refusal);
    QCOMPARE(PageOps::openRefusal(QUrl(url, QUrl::StrictMode), protocols, origin), refusal);
}

QTEST_GUILESS_MAIN(tst_PageOps)
#include "tst_pageops.moc"
