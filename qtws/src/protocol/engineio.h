// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_ENGINEIO_H
#define QTWS_PROTOCOL_ENGINEIO_H

// Engine.IO protocol v4 packet codec (https://github.com/socketio/engine.io-protocol, "v4"
// section). Pure code: no sockets, no QObject, no timers. The relay uses it on the server side; the
// polling strategy of the client will use it on the other side.

#include <qtws/qtws_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <chrono>
#include <optional>

namespace QtWs::EngineIo {

/*! The protocol revision this codec speaks (the `EIO=4` query parameter). */
inline constexpr int ProtocolVersion = 4;
/*!
    Separates packets in a polling payload (v4: ASCII record separator, never part of a text
    packet).
*/
inline constexpr char RecordSeparator = '\x1e';
/*! Prefix of a base64-encoded binary message inside a polling payload. */
inline constexpr char BinaryPrefix = 'b';
/*!
    Default of the open packet's maxPayload: the largest polling body either side accepts, in bytes.
*/
inline constexpr qsizetype DefaultMaxPayload = 1'000'000;
/*! Default server ping interval and the time the client has to answer (engine.io defaults). */
inline constexpr std::chrono::milliseconds DefaultPingInterval {25'000};
inline constexpr std::chrono::milliseconds DefaultPingTimeout {20'000};
/*! The upgrade probe payload ("2probe" / "3probe"). */
inline constexpr char ProbePayload[] = "probe";

/*! Packet types; the wire form is the ASCII digit. */
enum class PacketType : quint8 {
    Open = 0, //!< server -> client, carries the handshake JSON
    Close = 1, //!< either side: the transport is being closed
    Ping = 2, //!< heartbeat (v4: sent by the server) or upgrade probe "2probe"
    Pong = 3, //!< answer to a ping, or "3probe"
    Message = 4, //!< application data, text or binary
    Upgrade = 5, //!< client -> server: switch to the probed transport
    Noop = 6, //!< flushes a pending poll during an upgrade
};

/*! One Engine.IO packet. \a binary is only meaningful for Message packets. */
struct QTWS_EXPORT Packet
{
    PacketType type = PacketType::Noop;
    QByteArray data; //!< UTF-8 text, or raw bytes when binary
    bool binary = false; //!< a binary message (polling: "b" + base64; WebSocket: a binary frame)

    static Packet text(PacketType type, const QByteArray &data = QByteArray())
    {
        return Packet {type, data, false};
    }
    static Packet message(const QByteArray &data, bool binary)
    {
        return Packet {PacketType::Message, data, binary};
    }

    friend bool operator==(const Packet &a, const Packet &b) noexcept
    {
        return a.type == b.type && a.data == b.data && a.binary == b.binary;
    }
    friend bool operator!=(const Packet &a, const Packet &b) noexcept { return !(a == b); }
};

/*! Why a packet or payload was rejected. */
enum class Error {
    None, //!< no error
    EmptyPacket, //!< a packet with no type character (e.g. two adjacent separators)
    UnknownType, //!< the type character is not '0'..'6' nor 'b'
    InvalidBase64, //!< the data after 'b' is not strict base64
    InvalidUtf8, //!< a text packet is not valid UTF-8
    PayloadTooLarge, //!< the payload exceeds the negotiated maxPayload (checked before decoding)
    TooManyPackets, //!< the payload holds more packets than the caller allows
};

/*! A human-readable description of \a error. */
QTWS_EXPORT QString errorString(Error error);

/*! Result of a decode: the packets, or the error with the offending bytes quoted in \a detail. */
struct QTWS_EXPORT DecodeResult
{
    Error error = Error::None;
    QString detail;
    QList<Packet> packets;
    bool isValid() const noexcept { return error == Error::None; }
};

/*! Encodes one packet as the text of a polling payload entry ("4hello", "bAQI=", "2probe"). */
QTWS_EXPORT QByteArray encodePollingPacket(const Packet &packet);
/*! Encodes a polling payload: packets joined by RecordSeparator. */
QTWS_EXPORT QByteArray encodePayload(const QList<Packet> &packets);

/*!
    Decodes a polling payload (the body of a POST, or of a GET response on the client side). The
    size is checked against \a maxPayload before anything is decoded; at most \a maxPackets are
    accepted.
*/
QTWS_EXPORT DecodeResult decodePayload(
    QByteArrayView payload, qsizetype maxPayload = DefaultMaxPayload, qsizetype maxPackets = 4096);
/*!
    Decodes the text of one packet (a polling entry or a WebSocket text frame); packets has one
    entry on success.
*/
QTWS_EXPORT DecodeResult decodePacket(QByteArrayView text);

/*!
    The WebSocket transport: a text frame carries one encoded packet, a binary frame is a binary
    message (no type prefix). Returns the frame payload for \a packet and sets \a binaryFrame.
*/
QTWS_EXPORT QByteArray encodeWebSocketPacket(const Packet &packet, bool *binaryFrame);
/*! Decodes one WebSocket frame of the Engine.IO transport. */
QTWS_EXPORT DecodeResult decodeWebSocketFrame(QByteArrayView payload, bool binaryFrame);

/*! The open packet's JSON (v4 handshake). */
struct QTWS_EXPORT OpenPayload
{
    QString sid;
    QStringList upgrades;
    std::chrono::milliseconds pingInterval = DefaultPingInterval;
    std::chrono::milliseconds pingTimeout = DefaultPingTimeout;
    qsizetype maxPayload = DefaultMaxPayload;

    QByteArray toJson() const;
    /*!
        Parses the JSON of an open packet; nullopt when a required member is missing or has the
        wrong type.
    */
    static std::optional<OpenPayload> fromJson(QByteArrayView json);

    friend bool operator==(const OpenPayload &a, const OpenPayload &b) noexcept
    {
        return a.sid == b.sid && a.upgrades == b.upgrades && a.pingInterval == b.pingInterval
            && a.pingTimeout == b.pingTimeout && a.maxPayload == b.maxPayload;
    }
};

/*!
    qtws extension: the close code and reason of the relayed WebSocket session, carried as the data
    of a close packet: `1{"code":1000,"reason":"bye"}`. Stock Engine.IO peers ignore the data of a
    close packet (engine.io and engine.io-client act on the type only), so the packet stays a plain
    close for them.
*/
struct QTWS_EXPORT CloseInfo
{
    quint16 code = 1005; //!< RFC 6455 §7.4.1: 1005 = no status code present
    QString reason;

    QByteArray toJson() const;
    /*! Parses the data of a close packet; nullopt for an empty or foreign payload. */
    static std::optional<CloseInfo> fromJson(QByteArrayView json);

    friend bool operator==(const CloseInfo &a, const CloseInfo &b) noexcept
    {
        return a.code == b.code && a.reason == b.reason;
    }
};

} // namespace QtWs::EngineIo

#endif // QTWS_PROTOCOL_ENGINEIO_H
