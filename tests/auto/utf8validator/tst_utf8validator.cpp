// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/utf8.h"

using namespace QtWs::Protocol;

namespace {

// Naive reference (RFC 3629 §3/§4): decode one sequence at a time, rejecting overlongs, surrogates
// and code points above U+10FFFF. Returns the offset of the first invalid byte, or -1 if valid and
// complete, or -2 if valid but ending inside a sequence.
qsizetype referenceCheck(const QByteArray &s)
{
    qsizetype i = 0;
    const qsizetype n = s.size();
    while (i < n) {
        const uchar c = uchar(s[i]);
        int len = 0;
        uint cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        for (int k = 1; k < len; ++k) {
            if (i + k >= n)
                return -2;
            const uchar cc = uchar(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return i + k;
            cp = (cp << 6) | (cc & 0x3f);
            // The first continuation byte decides overlong/surrogate/range violations early (like a
            // DFA).
            if (k == 1) {
                const uint minCp = len == 3 ? 0x800 : 0x10000;
                const int shift = 6 * (len - 2);
                const uint lo = cp << shift;
                const uint hi = lo | ((1u << shift) - 1);
                if (len >= 3 && hi < minCp)
                    return i + k;
                if (len == 3 && lo >= 0xD800 && hi <= 0xDFFF)
                    return i + k;
                if (len == 4 && lo > 0x10FFFF)
                    return i + k;
            }
        }
        i += len;
    }
    return -1;
}

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

} // namespace

class tst_Utf8Validator : public QObject
{
    Q_OBJECT
private slots:
    void sequences_data();
    void sequences();
    void splitAtEveryPosition_data() { sequences_data(); }
    void splitAtEveryPosition();
    void exhaustiveShortSequences();
    void fourByteSequencesSampled();
    void asciiFastPathBoundaries();
    void boundaryPrefix_data();
    void boundaryPrefix();
};

void tst_Utf8Validator::sequences_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("complete");
    QTest::addColumn<qint64>("errorOffset");

    // Happy
    QTest::addRow("empty") << QByteArray() << true << true << qint64(-1);
    QTest::addRow("ascii") << QByteArray("Hello, world") << true << true << qint64(-1);
    QTest::addRow("2-byte é") << hex("c3a9") << true << true << qint64(-1);
    QTest::addRow("3-byte €") << hex("e282ac") << true << true << qint64(-1);
    QTest::addRow("4-byte 😀") << hex("f09f9880") << true << true << qint64(-1);
    QTest::addRow("U+0080") << hex("c280") << true << true << qint64(-1);
    QTest::addRow("U+07FF") << hex("dfbf") << true << true << qint64(-1);
    QTest::addRow("U+0800") << hex("e0a080") << true << true << qint64(-1);
    QTest::addRow("U+D7FF") << hex("ed9fbf") << true << true << qint64(-1);
    QTest::addRow("U+E000") << hex("ee8080") << true << true << qint64(-1);
    QTest::addRow("U+FFFF") << hex("efbfbf") << true << true << qint64(-1);
    QTest::addRow("U+10000") << hex("f0908080") << true << true << qint64(-1);
    QTest::addRow("U+10FFFF") << hex("f48fbfbf") << true << true << qint64(-1);
    QTest::addRow("mixed long") << QByteArray(
        "The quick brown fox κόσμε jumps over 😀 the lazy dog ∑ 0123456789")
                                << true << true << qint64(-1);
    QTest::addRow("Hello-µ@ßöäüàá-UTF-8!!")
        << hex("48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121") << true << true
        << qint64(-1);

    // Rainy: invalid bytes, reported at the first byte that cannot continue.
    QTest::addRow("lone continuation") << hex("80") << false << false << qint64(0);
    QTest::addRow("C0 overlong") << hex("c080") << false << false << qint64(0);
    QTest::addRow("C1 overlong") << hex("c1bf") << false << false << qint64(0);
    QTest::addRow("E0 overlong") << hex("e08080") << false << false << qint64(1);
    QTest::addRow("F0 overlong") << hex("f0808080") << false << false << qint64(1);
    QTest::addRow("surrogate D800") << hex("eda080") << false << false << qint64(1);
    QTest::addRow("surrogate DFFF") << hex("edbfbf") << false << false << qint64(1);
    QTest::addRow("above U+10FFFF") << hex("f4908080") << false << false << qint64(1);
    QTest::addRow("F5") << hex("f5808080") << false << false << qint64(0);
    QTest::addRow("FE") << hex("fe") << false << false << qint64(0);
    QTest::addRow("FF") << hex("ff") << false << false << qint64(0);
    QTest::addRow("lead then ascii") << hex("c341") << false << false << qint64(1);
    QTest::addRow("3-byte cut by ascii") << hex("e28241") << false << false << qint64(2);
    QTest::addRow("invalid after 40 ascii")
        << (QByteArray(40, 'a') + hex("ff") + "tail") << false << false << qint64(40);
    QTest::addRow("κόσμε then surrogate")
        << (hex("cebae1bdb9cf83cebcceb5") + hex("eda080")) << false << false << qint64(12);
    // Valid so far but incomplete at the end (RFC 6455 §8.1: fails at message end).
    QTest::addRow("incomplete 2-byte") << hex("c3") << true << false << qint64(-1);
    QTest::addRow("incomplete 3-byte") << hex("e282") << true << false << qint64(-1);
    QTest::addRow("incomplete 4-byte") << hex("f09f98") << true << false << qint64(-1);
    QTest::addRow("ascii then incomplete")
        << (QByteArray(33, 'x') + hex("f4")) << true << false << qint64(-1);
}

void tst_Utf8Validator::sequences()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, valid);
    QFETCH(bool, complete);
    QFETCH(qint64, errorOffset);

    Utf8Validator v;
    QCOMPARE(v.feed(input), valid);
    QCOMPARE(v.isValid(), valid);
    QCOMPARE(v.isComplete(), complete);
    QCOMPARE(v.errorOffset(), errorOffset);
    QCOMPARE(Utf8Validator::isValidUtf8(input), valid && complete);
    const qsizetype ref = referenceCheck(input);
    QCOMPARE(ref >= 0 ? qint64(ref) : qint64(-1), errorOffset);
    // Once invalid, stays invalid.
    if (!valid) {
        QVERIFY(!v.feed("abc"));
        v.reset();
        QVERIFY(v.feed("abc"));
        QVERIFY(v.isComplete());
    }
}

// Every split into two and three pieces gives the same answer, and the failing feed() is the one
// holding the first invalid byte (fail fast across fragments).
void tst_Utf8Validator::splitAtEveryPosition()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, valid);
    QFETCH(bool, complete);
    QFETCH(qint64, errorOffset);

    const qsizetype n = input.size();
    for (qsizetype a = 0; a <= n; ++a) {
        for (qsizetype b = a; b <= n; ++b) {
            const QByteArrayView pieces[3] = {QByteArrayView(input).first(a),
                QByteArrayView(input).sliced(a, b - a), QByteArrayView(input).sliced(b)};
            Utf8Validator v;
            qsizetype fed = 0;
            bool ok = true;
            for (const auto &piece : pieces) {
                const bool r = v.feed(piece);
                if (!r) {
                    ok = false;
                    // The invalid byte lies in this piece.
                    QVERIFY2(errorOffset >= fed && errorOffset < fed + piece.size(),
                        qPrintable(QStringLiteral("split %1/%2").arg(a).arg(b)));
                    break;
                }
                fed += piece.size();
            }
            QCOMPARE(ok, valid);
            QCOMPARE(v.errorOffset(), errorOffset);
            QCOMPARE(v.isComplete(), complete);
        }
    }
}

// Every 1, 2 and 3-byte sequence against the reference.
void tst_Utf8Validator::exhaustiveShortSequences()
{
    QByteArray s(3, '\0');
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            for (int c = 0; c < 256; c += (a >= 0xE0 && a <= 0xEF) ? 1 : 51) {
                s[0] = char(a);
                s[1] = char(b);
                s[2] = char(c);
                const qsizetype ref = referenceCheck(s);
                Utf8Validator v;
                const bool ok = v.feed(s);
                const bool match = ref >= 0 ? (!ok && v.errorOffset() == ref)
                                            : (ok && v.isComplete() == (ref == -1));
                if (!match) {
                    QFAIL(qPrintable(QStringLiteral("mismatch for %1: ref %2, ok %3, offset %4")
                                         .arg(QString::fromLatin1(s.toHex()))
                                         .arg(ref)
                                         .arg(ok)
                                         .arg(v.errorOffset())));
                }
            }
        }
    }
}

void tst_Utf8Validator::fourByteSequencesSampled()
{
    QByteArray s(4, '\0');
    for (int a = 0xEE; a < 0x100; ++a) {
        for (int b = 0x70; b < 0xD0; ++b) {
            for (int c = 0x70; c < 0xD0; c += 7) {
                for (int d = 0x70; d < 0xD0; d += 13) {
                    s[0] = char(a);
                    s[1] = char(b);
                    s[2] = char(c);
                    s[3] = char(d);
                    const qsizetype ref = referenceCheck(s);
                    Utf8Validator v;
                    const bool ok = v.feed(s);
                    QCOMPARE(ok, ref == -1 || ref == -2);
                    if (ref >= 0)
                        QCOMPARE(v.errorOffset(), qint64(ref));
                    else
                        QCOMPARE(v.isComplete(), ref == -1);
                }
            }
        }
    }
}

// An invalid byte at every position of a long ASCII run (exercises the 16-byte path and its tail).
void tst_Utf8Validator::asciiFastPathBoundaries()
{
    for (int len = 0; len < 70; ++len) {
        for (int bad = 0; bad < len; ++bad) {
            QByteArray s(len, 'a');
            s[bad] = char(0xff);
            Utf8Validator v;
            QVERIFY(!v.feed(s));
            QCOMPARE(v.errorOffset(), qint64(bad));
        }
        QByteArray s(len, 'a');
        s += "\xc3\xa9";
        QVERIFY(Utf8Validator::isValidUtf8(s));
    }
}

void tst_Utf8Validator::boundaryPrefix_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<qsizetype>("max");
    QTest::addColumn<qsizetype>("expected");
    QTest::addRow("fits") << QByteArray("abc") << qsizetype(3) << qsizetype(3);
    QTest::addRow("ascii cut") << QByteArray("abcdef") << qsizetype(4) << qsizetype(4);
    QTest::addRow("before 2-byte") << hex("61c3a9") << qsizetype(2) << qsizetype(1);
    QTest::addRow("inside 3-byte") << hex("61e282ac62") << qsizetype(3) << qsizetype(1);
    QTest::addRow("after 3-byte") << hex("61e282ac62") << qsizetype(4) << qsizetype(4);
    QTest::addRow("inside 4-byte") << hex("f09f9880f09f9880") << qsizetype(7) << qsizetype(4);
    QTest::addRow("zero") << QByteArray("abc") << qsizetype(0) << qsizetype(0);
}

void tst_Utf8Validator::boundaryPrefix()
{
    QFETCH(QByteArray, input);
    QFETCH(qsizetype, max);
    QFETCH(qsizetype, expected);
    QCOMPARE(utf8BoundaryPrefix(input, max), expected);
    QVERIFY(Utf8Validator::isValidUtf8(input.first(expected)));
}

QTEST_APPLESS_MAIN(tst_Utf8Validator)
#include "tst_utf8validator.moc"
