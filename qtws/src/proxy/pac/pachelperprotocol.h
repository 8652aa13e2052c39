// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACHELPERPROTOCOL_H
#define QTWS_PACHELPERPROTOCOL_H

#include <QtCore/QByteArray>
#include <QtCore/QDataStream>
#include <QtCore/QIODevice>
#include <QtCore/QtEndian>

#include <optional>

namespace QtWs::PacHelperProtocol {

/*
    The pipe protocol between PacEngine (the parent) and qtws-pac-helper (the child), over the
    child's stdin and stdout. Every message is a big-endian quint32 payload length followed by a
    QDataStream payload (version Qt_6_4) that starts with a quint8 Message.

    Parent -> child:  Load (script, name, source, evaluation timeout ms, DNS timeout ms, DNS budget
                      ms) -> Result;  Evaluate (url, host) -> any number of callbacks, then Result;
                      Addresses (QStringList) / Clock (QDateTime) answer a callback.
    Child -> parent:  Ready, once, first: the helper is up (the parent's deadlines for Load and
                      Evaluate start after it, so a slow start is not taken for a slow script);
                      Result (error, errorString, line, raw, warnings); Resolve (host, timeout ms),
                      LocalAddresses and Now are callbacks the parent answers with Addresses or Clock;
                      Log (QtMsgType, category, text) is the helper's log output (alert() included),
                      which the parent logs in qtws.pac and does not answer.
*/
enum class Message : quint8 {
    Load = 1,
    Evaluate = 2,
    Addresses = 3,
    Clock = 4,
    Result = 10,
    Resolve = 11,
    LocalAddresses = 12,
    Now = 13,
    Log = 14,
    Ready = 15,
};

// Larger frames are a protocol error (scripts are limited to PacEnvironment::maxScriptSize).
constexpr quint32 kMaxFrameSize = 64 * 1024 * 1024;

inline QDataStream &prepare(QDataStream &stream)
{
    stream.setVersion(QDataStream::Qt_6_4);
    return stream;
}

// Builds a frame: writes the length prefix around what build() streams.
template<typename Build> QByteArray frame(Message type, Build build)
{
    QByteArray payload;
    {
        QDataStream out(&payload, QIODevice::WriteOnly);
        prepare(out) << quint8(type);
        build(out);
    }
    QByteArray bytes(4, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(payload.size()), bytes.data());
    return bytes + payload;
}

// Takes one complete frame's payload off the front of buffer, if there is one. Sets *bad for a
// frame larger than kMaxFrameSize.
inline std::optional<QByteArray> takeFrame(QByteArray &buffer, bool *bad)
{
    if (buffer.size() < 4)
        return std::nullopt;
    const quint32 size = qFromBigEndian<quint32>(buffer.constData());
    if (size > kMaxFrameSize) {
        *bad = true;
        return std::nullopt;
    }
    if (quint32(buffer.size()) - 4 < size)
        return std::nullopt;
    QByteArray payload = buffer.mid(4, size);
    buffer.remove(0, 4 + qsizetype(size));
    return payload;
}

} // namespace QtWs::PacHelperProtocol

#endif // QTWS_PACHELPERPROTOCOL_H
