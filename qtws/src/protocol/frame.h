// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_FRAME_H
#define QTWS_PROTOCOL_FRAME_H

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <qtws/qtws_export.h>

namespace QtWs::Protocol {

/*!
    \enum QtWs::Protocol::Role
    \brief Which end of the connection the local code plays. Clients mask what they send and must
    receive unmasked frames; servers the reverse (RFC 6455 §5.1).
    \since 0.1
*/
enum class Role { Client, Server };

/*!
    \brief Frame opcodes (RFC 6455 §5.2).
    \since 0.1
*/
enum class OpCode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

/*! True for Close, Ping and Pong (opcodes with the high bit set, RFC 6455 §5.5). */
constexpr bool isControlOpCode(OpCode op) noexcept
{
    return (quint8(op) & 0x8) != 0;
}

/*!
    \enum QtWs::Protocol::CloseCode
    \brief Close status codes (RFC 6455 §7.4.1 and the IANA registry).
    \since 0.1
*/
enum class CloseCode : quint16 {
    Normal = 1000, //!< Normal closure.
    GoingAway = 1001, //!< Endpoint going away (page navigation, server shutdown).
    ProtocolError = 1002, //!< The peer violated the protocol.
    UnsupportedData = 1003, //!< A data type the endpoint cannot accept.
    NoStatusReceived = 1005, //!< Reserved: the close frame had no status code. Never sent.
    AbnormalClosure = 1006, //!< Reserved: the connection dropped without a close frame. Never sent.
    InvalidPayloadData = 1007, //!< Data inconsistent with the message type (invalid UTF-8).
    PolicyViolation = 1008, //!< Generic policy violation.
    MessageTooBig = 1009, //!< A message or frame too big to process.
    MandatoryExtension = 1010, //!< Client: the server did not negotiate a required extension.
    InternalError = 1011, //!< Server: unexpected condition.
    ServiceRestart = 1012, //!< IANA: service restart.
    TryAgainLater = 1013, //!< IANA: try again later.
    BadGateway = 1014, //!< IANA: bad gateway.
    TlsHandshake = 1015, //!< Reserved: TLS handshake failure. Never sent.
};

/*!
    True if \a code may appear in a received close frame (RFC 6455 §7.4): 1000-1003, 1007-1014 and
    3000-4999. 1004, 1005, 1006, 1015, codes below 1000, 1016-2999 and 5000+ are invalid on the
    wire.
*/
constexpr bool isValidCloseCode(quint16 code) noexcept
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
}

/*!
    The code a Close frame carries when an endpoint closes with \a code: 0, 1005, 1006 and 1015 are
    never sent (RFC 6455 §7.4.1) and become 1005, which MessageWriter::writeClose() writes as an
    empty Close frame ("no status code"). Every other code is sent as it is.
*/
constexpr quint16 sendableCloseCode(quint16 code) noexcept
{
    switch (code) {
    case 0:
    case quint16(CloseCode::NoStatusReceived):
    case quint16(CloseCode::AbnormalClosure):
    case quint16(CloseCode::TlsHandshake):
        return quint16(CloseCode::NoStatusReceived);
    default:
        return code;
    }
}

/*! The maximum payload of a control frame (RFC 6455 §5.5). */
constexpr qsizetype MaxControlPayload = 125;
/*! The largest possible frame header: 2 + 8 (64-bit length) + 4 (mask). */
constexpr qsizetype MaxFrameHeaderSize = 14;

/*!
    \enum QtWs::Protocol::ProtocolError
    \brief Why a WebSocket frame or message was rejected; closeCodeFor() gives the close code to
    send.
    \since 0.1
*/
enum class ProtocolError {
    NoError, //!< Nothing went wrong.
    /*! RSV1-3 set without a negotiated extension defining them (§5.2). Close 1002. */
    ReservedBitsSet,
    UnknownOpCode, //!< Reserved opcode 3-7 or 0xB-0xF (§5.2). Close 1002.
    ControlFrameTooLarge, //!< Control frame payload over 125 bytes (§5.5). Close 1002.
    FragmentedControlFrame, //!< Control frame without FIN (§5.5). Close 1002.
    /*! Payload length not encoded in the minimal number of bytes (§5.2). Close 1002. */
    NonMinimalLength,
    LengthHighBitSet, //!< The most significant bit of a 64-bit length is set (§5.2). Close 1002.
    UnmaskedFrame, //!< A server received an unmasked frame (§5.1). Close 1002.
    MaskedFrame, //!< A client received a masked frame (§5.1). Close 1002.
    UnexpectedContinuation, //!< Continuation frame with no message in progress (§5.4). Close 1002.
    /*! New data frame while a fragmented message is in progress (§5.4). Close 1002. */
    ExpectedContinuation,
    CompressedControlFrame, //!< RSV1 on a control frame (RFC 7692 §6). Close 1002.
    CompressedContinuation, //!< RSV1 on a continuation frame (RFC 7692 §6.1). Close 1002.
    InvalidCloseFrame, //!< Close payload of one byte (§5.5.1). Close 1002.
    InvalidCloseCode, //!< Close code not allowed on the wire (§7.4). Close 1002.
    InvalidCloseReason, //!< Close reason is not valid UTF-8 (§5.5.1). Close 1007.
    InvalidUtf8, //!< Text message is not valid UTF-8 (§8.1). Close 1007.
    /*! The compressed payload cannot be inflated (RFC 7692 §7.2.2). Close 1007. */
    InvalidCompressedData,
    FrameTooLarge, //!< A frame's payload exceeds the configured maximum frame size. Close 1009.
    MessageTooLarge, //!< A message exceeds the configured maximum message size. Close 1009.
};

/*!
    The close code an endpoint sends when failing the connection for \a error (1002, 1007 or 1009).
*/
QTWS_EXPORT CloseCode closeCodeFor(ProtocolError error) noexcept;
/*! A short English description of \a error. */
QTWS_EXPORT QString protocolErrorString(ProtocolError error);

/*!
    \class QtWs::Protocol::FrameHeader
    \brief A WebSocket frame header: decode from and encode to the wire format of RFC 6455 §5.2.

    decode() is stateless: it needs the whole header (2 to 14 bytes) in its input and answers
    NeedMore otherwise, with the number of bytes it needs. It checks everything a header alone can
    tell: reserved bits against the negotiated ones, unknown opcodes, control frame size and FIN,
    the minimal-length rule, the 64-bit MSB, the mask bit against the receiver's role and the
    maximum frame size (so nothing is buffered for oversized frames).
    \since 0.1
*/
struct QTWS_EXPORT FrameHeader
{
    bool fin = true;
    bool rsv1 = false;
    bool rsv2 = false;
    bool rsv3 = false;
    OpCode opCode = OpCode::Binary;
    bool masked = false;
    /*! The 4 key bytes as a big-endian number (first wire byte in the top 8 bits). */
    quint32 maskKey = 0;
    quint64 payloadLength = 0;

    /*! What decode() accepts. */
    struct DecodeOptions
    {
        /*! The local role: a Client requires unmasked frames, a Server masked ones. */
        Role receiver = Role::Client;
        bool rsv1Allowed = false; //!< True when permessage-deflate is negotiated (RFC 7692 §6).
        quint64 maxPayloadLength = ~quint64(0) >> 1; //!< Larger frames fail with FrameTooLarge.
    };

    enum class DecodeStatus { NeedMore, Done, Error };
    struct DecodeResult
    {
        DecodeStatus status = DecodeStatus::NeedMore;
        /*! Done: header bytes consumed. NeedMore: total header bytes needed so far. */
        qsizetype size = 0;
        ProtocolError error = ProtocolError::NoError;
    };

    /*! Decodes the header at the start of \a data into \a header. */
    static DecodeResult decode(
        QByteArrayView data, FrameHeader *header, const DecodeOptions &options);

    /*! The number of bytes encode() writes (2 to 14). */
    qsizetype encodedSize() const noexcept;
    /*!
        Writes the header (minimal length encoding) to \a out, which must have room for
        MaxFrameHeaderSize bytes. Returns the number of bytes written.
    */
    qsizetype encode(char *out) const noexcept;
    QByteArray toByteArray() const;
};

/*!
    XORs \a size bytes at \a data with the mask \a maskKey (big-endian as in FrameHeader), starting
    at byte \a keyOffset of the payload (so a payload can be unmasked in pieces). Word-wide:
    unaligned head, 16-byte SSE2 or 8-byte body, tail. RFC 6455 §5.3.
*/
QTWS_EXPORT void applyMask(
    char *data, qsizetype size, quint32 maskKey, quint64 keyOffset = 0) noexcept;
/*!
    Like applyMask() but reads \a src and writes \a dst (may be equal; must not otherwise overlap).
*/
QTWS_EXPORT void copyMasked(
    char *dst, const char *src, qsizetype size, quint32 maskKey, quint64 keyOffset = 0) noexcept;

/*! Bytes of randomness each thread buffers for masking keys (1024 keys). */
constexpr qsizetype MaskKeyBufferSize = 4096;

/*!
    Fills \a keys with \a count fresh masking keys (RFC 6455 §5.3: "derived from a strong source of
    entropy", §10.3: unpredictable to the application and to the server).

    The keys come from OpenSSL's cryptographically secure generator (RAND_bytes(), a DRBG seeded
    from the kernel), MaskKeyBufferSize bytes per call into a per-thread buffer: a word at a time,
    QRandomGenerator::system() costs about half a microsecond here, and getrandom(2) into the same
    buffer about ten times RAND_bytes() per key. A key is wiped from the buffer as it is handed
    out.
*/
QTWS_EXPORT void generateMaskKeys(quint32 *keys, qsizetype count);
/*! One fresh masking key; see generateMaskKeys(). */
QTWS_EXPORT quint32 generateMaskKey();

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_FRAME_H
