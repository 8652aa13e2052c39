// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostilepeer.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QRegularExpression>

namespace QtWs::Test {

namespace ProcessProbe {

int openDescriptors()
{
    const QDir fds(QStringLiteral("/proc/self/fd"));
    if (!fds.exists())
        return -1;
    // The listing itself opens one descriptor; it is counted the same way every time.
    return int(fds.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System).size());
}

qint64 peakResidentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    static const QRegularExpression hwm(QStringLiteral("^VmHWM:\\s+(\\d+) kB$"),
        QRegularExpression::MultilineOption);
    const QRegularExpressionMatch m = hwm.match(QString::fromLatin1(status.readAll()));
    return m.hasMatch() ? m.captured(1).toLongLong() * 1024 : -1;
}

bool resetPeakResident()
{
    QFile clearRefs(QStringLiteral("/proc/self/clear_refs"));
    return clearRefs.open(QIODevice::WriteOnly) && clearRefs.write("5") == 1;
}

} // namespace ProcessProbe

namespace RawFrame {

namespace {

QByteArray header(quint8 firstByte, qsizetype length, bool masked)
{
    QByteArray out;
    out.append(char(firstByte));
    const quint8 maskBit = masked ? 0x80 : 0;
    if (length < 126) {
        out.append(char(maskBit | length));
    } else if (length < 65536) {
        out.append(char(maskBit | 126));
        out.append(char(length >> 8)).append(char(length & 0xff));
    } else {
        out.append(char(maskBit | 127));
        for (int i = 7; i >= 0; --i)
            out.append(char((quint64(length) >> (8 * i)) & 0xff));
    }
    return out;
}

} // namespace

QByteArray frame(quint8 firstByte, const QByteArray &payload, bool masked)
{
    QByteArray out = header(firstByte, payload.size(), masked);
    if (!masked)
        return out + payload;
    const char key[4] = {0x11, 0x22, 0x33, 0x44};
    out.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        out.append(char(payload.at(i) ^ key[i % 4]));
    return out;
}

QByteArray header64(quint8 firstByte, quint64 length)
{
    QByteArray out;
    out.append(char(firstByte)).append(char(127));
    for (int i = 7; i >= 0; --i)
        out.append(char((length >> (8 * i)) & 0xff));
    return out;
}

QByteArray header16(quint8 firstByte, quint16 length)
{
    QByteArray out;
    out.append(char(firstByte)).append(char(126));
    out.append(char(length >> 8)).append(char(length & 0xff));
    return out;
}

QByteArray closePayload(quint16 code, const QByteArray &reason)
{
    QByteArray p;
    p.append(char(code >> 8)).append(char(code & 0xff)).append(reason);
    return p;
}

} // namespace RawFrame

} // namespace QtWs::Test
