// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineio.h"

#include <cmath>
#include <limits>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace QtWs::EngineIo {

namespace {

// Quote at most this many bytes of what the peer sent in an error detail.
constexpr qsizetype QuoteLimit = 40;

QString quote(QByteArrayView bytes)
{
    const QByteArray shown = bytes.first(qMin(bytes.size(), QuoteLimit))
                                 .toByteArray()
                                 .toPercentEncoding(" !\"#$&'()*+,-./:;<=>?@[]^_`{|}~");
    return QLatin1Char('"') + QString::fromLatin1(shown)
        + (bytes.size() > QuoteLimit ? QStringLiteral("...\"") : QStringLiteral("\""));
}

bool isValidUtf8(QByteArrayView bytes)
{
    // Qt replaces every invalid, overlong, surrogate or truncated sequence by U+FFFD: a lossless
    // round trip means the bytes were valid UTF-8 (RFC 3629).
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}

DecodeResult failure(Error error, QString detail)
{
    DecodeResult r;
    r.error = error;
    r.detail = std::move(detail);
    return r;
}

// Decodes one entry without the separator; appends to \a out on success.
Error decodeOne(QByteArrayView text, QList<Packet> &out, QString *detail)
{
    if (text.isEmpty()) {
        *detail = QStringLiteral("empty packet");
        return Error::EmptyPacket;
    }
    const char t = text.front();
    if (t == BinaryPrefix) {
        // v4: "b" + standard base64 of the bytes (engine.io-parser encodePacket for polling).
        const auto decoded = QByteArray::fromBase64Encoding(
            text.sliced(1).toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            *detail = QStringLiteral("invalid base64 in binary packet ") + quote(text);
            return Error::InvalidBase64;
        }
        out.append(Packet::message(*decoded, true));
        return Error::None;
    }
    if (t < '0' || t > '6') {
        *detail = QStringLiteral("unknown packet type in ") + quote(text);
        return Error::UnknownType;
    }
    const QByteArrayView data = text.sliced(1);
    if (!isValidUtf8(data)) {
        *detail = QStringLiteral("packet is not valid UTF-8: ") + quote(text);
        return Error::InvalidUtf8;
    }
    out.append(Packet {static_cast<PacketType>(t - '0'), data.toByteArray(), false});
    return Error::None;
}

} // namespace

QString errorString(Error error)
{
    switch (error) {
    case Error::None:
        return QStringLiteral("no error");
    case Error::EmptyPacket:
        return QStringLiteral("empty Engine.IO packet");
    case Error::UnknownType:
        return QStringLiteral("unknown Engine.IO packet type");
    case Error::InvalidBase64:
        return QStringLiteral("invalid base64 in an Engine.IO binary packet");
    case Error::InvalidUtf8:
        return QStringLiteral("Engine.IO text packet is not valid UTF-8");
    case Error::PayloadTooLarge:
        return QStringLiteral("Engine.IO payload exceeds maxPayload");
    case Error::TooManyPackets:
        return QStringLiteral("too many packets in an Engine.IO payload");
    }
    return QString();
}

QByteArray encodePollingPacket(const Packet &packet)
{
    if (packet.type == PacketType::Message && packet.binary)
        return BinaryPrefix + packet.data.toBase64();
    return char('0' + static_cast<int>(packet.type)) + packet.data;
}

QByteArray encodePayload(const QList<Packet> &packets)
{
    QByteArray out;
    for (qsizetype i = 0; i < packets.size(); ++i) {
        if (i > 0)
            out += RecordSeparator;
        out += encodePollingPacket(packets.at(i));
    }
    return out;
}

DecodeResult decodePayload(QByteArrayView payload, qsizetype maxPayload, qsizetype maxPackets)
{
    // Check the size before decoding anything (engine.io answers an oversized body with an error
    // too).
    if (payload.size() > maxPayload) {
        return failure(Error::PayloadTooLarge,
            QStringLiteral("payload of %1 bytes exceeds maxPayload %2")
                .arg(payload.size())
                .arg(maxPayload));
    }
    DecodeResult result;
    qsizetype start = 0;
    while (true) {
        if (result.packets.size() >= maxPackets) {
            return failure(Error::TooManyPackets,
                QStringLiteral("more than %1 packets in one payload").arg(maxPackets));
        }
        qsizetype end = payload.indexOf(RecordSeparator, start);
        if (end < 0)
            end = payload.size();
        QString detail;
        const Error e = decodeOne(payload.sliced(start, end - start), result.packets, &detail);
        if (e != Error::None)
            return failure(e, detail);
        if (end == payload.size())
            break;
        start = end + 1;
    }
    return result;
}

DecodeResult decodePacket(QByteArrayView text)
{
    DecodeResult result;
    QString detail;
    const Error e = decodeOne(text, result.packets, &detail);
    if (e != Error::None)
        return failure(e, detail);
    return result;
}

QByteArray encodeWebSocketPacket(const Packet &packet, bool *binaryFrame)
{
    // engine.io-parser: over WebSocket a binary message is the bare bytes in a binary frame.
    const bool binary = packet.type == PacketType::Message && packet.binary;
    if (binaryFrame)
        *binaryFrame = binary;
    if (binary)
        return packet.data;
    return char('0' + static_cast<int>(packet.type)) + packet.data;
}

DecodeResult decodeWebSocketFrame(QByteArrayView payload, bool binaryFrame)
{
    if (binaryFrame) {
        DecodeResult r;
        r.packets.append(Packet::message(payload.toByteArray(), true));
        return r;
    }
    return decodePacket(payload);
}

QByteArray OpenPayload::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("sid"), sid);
    o.insert(QStringLiteral("upgrades"), QJsonArray::fromStringList(upgrades));
    o.insert(QStringLiteral("pingInterval"), qint64(pingInterval.count()));
    o.insert(QStringLiteral("pingTimeout"), qint64(pingTimeout.count()));
    o.insert(QStringLiteral("maxPayload"), double(maxPayload));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

namespace {
// A positive whole number that fits \a limit; JSON numbers are doubles, and a fraction or an
// out-of-range value would otherwise turn into 0 (QJsonValue::toInt's default) and a timer that
// fires at once.
std::optional<qint64> positiveWholeNumber(const QJsonValue &value, qint64 limit)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!(d >= 1 && d <= double(limit)) || d != std::floor(d))
        return std::nullopt;
    return qint64(d);
}
} // namespace

std::optional<OpenPayload> OpenPayload::fromJson(QByteArrayView json)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    const QJsonValue sid = o.value(QStringLiteral("sid"));
    const QJsonValue upgrades = o.value(QStringLiteral("upgrades"));
    const auto interval = positiveWholeNumber(
        o.value(QStringLiteral("pingInterval")), std::numeric_limits<int>::max());
    const auto timeout = positiveWholeNumber(
        o.value(QStringLiteral("pingTimeout")), std::numeric_limits<int>::max());
    if (!sid.isString() || sid.toString().isEmpty() || !upgrades.isArray() || !interval || !timeout)
        return std::nullopt;
    OpenPayload p;
    p.sid = sid.toString();
    for (const QJsonValue &u : upgrades.toArray()) {
        if (!u.isString())
            return std::nullopt;
        p.upgrades.append(u.toString());
    }
    p.pingInterval = std::chrono::milliseconds(*interval);
    p.pingTimeout = std::chrono::milliseconds(*timeout);
    // maxPayload is optional for peers older than engine.io 4.1; keep the default then. Present, it
    // must be usable: a fraction or a value beyond 2^53 is refused rather than rounded.
    const QJsonValue maxPayload = o.value(QStringLiteral("maxPayload"));
    if (!maxPayload.isUndefined()) {
        const auto bytes = positiveWholeNumber(maxPayload, qint64(1) << 53);
        if (!bytes)
            return std::nullopt;
        p.maxPayload = qsizetype(*bytes);
    }
    return p;
}

QByteArray CloseInfo::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("code"), int(code));
    if (!reason.isEmpty())
        o.insert(QStringLiteral("reason"), reason);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<CloseInfo> CloseInfo::fromJson(QByteArrayView json)
{
    if (json.isEmpty())
        return std::nullopt;
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    const QJsonValue code = o.value(QStringLiteral("code"));
    const QJsonValue reason = o.value(QStringLiteral("reason"));
    // RFC 6455 §7.4: codes are 16-bit; anything outside 1000..4999 is not a code a peer may send.
    if (!code.isDouble() || code.toDouble() < 1000 || code.toDouble() > 4999
        || code.toDouble() != double(code.toInt()))
        return std::nullopt;
    if (!reason.isUndefined() && !reason.isString())
        return std::nullopt;
    CloseInfo c;
    c.code = quint16(code.toInt());
    c.reason = reason.toString();
    return c;
}

} // namespace QtWs::EngineIo
