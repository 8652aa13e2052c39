// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_MESSAGE_H
#define QTWS_PROTOCOL_MESSAGE_H

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <array>
#include <memory>

#include <qtws/qtws_export.h>

#include "deflate.h"
#include "frame.h"
#include "utf8.h"

namespace QtWs::Protocol {

/*!
    \class QtWs::Protocol::MessageEvent
    \brief One thing a MessageReader reports: a message, a frame, a control frame, or a protocol
    error.
    \since 0.1
*/
struct QTWS_EXPORT MessageEvent
{
    enum class Type {
        None, //!< Nothing yet (need more bytes).
        TextMessage, //!< A complete text message; payload is valid UTF-8.
        BinaryMessage, //!< A complete binary message.
        /*!
            One frame of a text message (only with Options::frameEvents); isLastFrame set on the
            last.
        */
        TextFrame,
        BinaryFrame, //!< One frame of a binary message (only with Options::frameEvents).
        Ping, //!< A ping; answer with a pong carrying the same payload (RFC 6455 §5.5.2).
        Pong, //!< A pong.
        Close, //!< A close frame; closeCode/closeReason set (1005 when the frame had no code).
        Error, //!< A protocol violation: fail the connection with closeCode (1002, 1007, 1009).
    };
    Type type = Type::None;
    QByteArray payload; //!< Message/frame/ping/pong payload (decompressed, unmasked).
    /*! TextMessage with MessageReaderOptions::decodeText: the message (payload is then empty). */
    QString text;
    bool isLastFrame = true; //!< For TextFrame/BinaryFrame.
    quint16 closeCode = 0; //!< Close: the received code. Error: the code to send.
    QString closeReason; //!< Close: the received reason.
    ProtocolError error = ProtocolError::NoError;
    QString errorString; //!< Error: what was wrong, quoting the offending values.
};

/*!
    \class QtWs::Protocol::MessageReaderOptions
    \brief Receiver settings for MessageReader (also MessageReader::Options).
    \since 0.1
*/
struct QTWS_EXPORT MessageReaderOptions
{
    static constexpr qint64 DefaultMaxFrameSize = 64 * 1024 * 1024;
    static constexpr qint64 DefaultMaxMessageSize = 64 * 1024 * 1024;

    /*! Local role: a Client rejects masked frames, a Server unmasked ones. */
    Role role = Role::Client;
    qint64 maxFrameSize = DefaultMaxFrameSize; //!< Largest frame payload (close 1009 above).
    /*! Largest (decompressed) message (close 1009 above). */
    qint64 maxMessageSize = DefaultMaxMessageSize;
    /*! Also report every data frame (TextFrame/BinaryFrame) before the message. */
    bool frameEvents = false;
    /*!
        Deliver text messages decoded, in MessageEvent::text (payload then stays empty and the
        reader reuses its buffer). A single uncompressed text frame is then validated by the same
        pass that decodes it, at the end of the frame, instead of byte by byte as it arrives
        (fragmented and compressed messages still fail at the first invalid byte): one pass over the
        data instead of two.
    */
    bool decodeText = false;
    bool deflate = false; //!< permessage-deflate negotiated.
    DeflateParameters deflateParameters; //!< The negotiated parameters when deflate is set.
};

/*!
    \class QtWs::Protocol::MessageWriterOptions
    \brief Sender settings for MessageWriter (also MessageWriter::Options).
    \since 0.1
*/
struct QTWS_EXPORT MessageWriterOptions
{
    Role role = Role::Client; //!< A Client masks every frame.
    qsizetype fragmentSize = 0; //!< Payload bytes per frame; 0: one frame per message.
    bool deflate = false; //!< permessage-deflate negotiated.
    DeflateParameters deflateParameters; //!< The negotiated parameters when deflate is set.
    int compressionLevel = -1; //!< zlib level, -1 = default.
    qsizetype compressionThreshold = 0; //!< Messages shorter than this are sent uncompressed.
};

/*!
    \class QtWs::Protocol::MessageReader
    \brief Incremental WebSocket receiver: frames in, messages and control events out (RFC 6455 §5,
    §6.2).

    Decodes frame headers, rejects violations before buffering anything (reserved bits, opcodes,
    control frame rules, mask bit against the role, frame and message size limits checked on the
    header), unmasks in place, reassembles fragmented messages in one growing buffer (amortised
    linear, never quadratic), lets control frames interleave with fragments, validates text
    incrementally so invalid UTF-8 fails at the first bad byte even inside a fragment, inflates
    permessage-deflate messages chunk by chunk against the message limit, and checks close codes and
    reasons (RFC 6455 §7.4, §5.5.1).

    feed() stops after each event, so the caller loops until feed() reports no event (it has then
    consumed everything it was given; an event pending from an earlier call is returned with
    consumed == 0):
    \code
    for (;;) {
        const auto r = reader.feed(data);
        data = data.sliced(r.consumed);
        if (!r.eventReady)
            break;
        handle(reader.takeEvent()); // an Error event ends the stream: fail with event.closeCode
    }
    \endcode

    Zero-copy path for large payloads: while directBuffer() is non-empty, the caller may read socket
    bytes straight into it and call commitDirect(n) instead of feeding a temporary buffer (one copy
    from the kernel, no other). After a Close or an Error event the reader consumes and ignores
    everything (RFC 6455 §5.5.1).
    \since 0.1
*/
class QTWS_EXPORT MessageReader
{
public:
    static constexpr qint64 DefaultMaxFrameSize = MessageReaderOptions::DefaultMaxFrameSize;
    static constexpr qint64 DefaultMaxMessageSize = MessageReaderOptions::DefaultMaxMessageSize;
    /*!
        Payload bytes reserved when a frame header arrives; more is allocated as the payload
        arrives.
    */
    static constexpr qsizetype EagerReserve = 1024 * 1024;

    using Options = MessageReaderOptions;

    /*! What feed() did. */
    struct Result
    {
        qsizetype consumed = 0; //!< Bytes of the input used.
        bool eventReady = false; //!< takeEvent() has an event.
    };

    explicit MessageReader(const Options &options = Options());
    ~MessageReader();
    MessageReader(const MessageReader &) = delete;
    MessageReader &operator=(const MessageReader &) = delete;

    /*! Consumes bytes from \a data up to the end or the first event. */
    Result feed(QByteArrayView data);
    /*! The pending event (moves it out). */
    MessageEvent takeEvent();
    /*! The pending event in place, for a caller that acts on it before it is taken. */
    MessageEvent &event() { return m_event; }

    /*!
        A writable area for the next payload bytes of the current data frame (uncompressed), or an
        empty range outside such a payload. It may be shorter than the rest of the frame (memory is
        allocated as the payload arrives, EagerReserve at a time and then geometrically): call again
        after commitDirect(). The bytes written there must be the next payload bytes from the wire,
        still masked if the frame is masked.
    */
    struct DirectBuffer
    {
        char *data = nullptr;
        qsizetype size = 0;
    };
    DirectBuffer directBuffer();
    /*! Accepts \a n bytes written into directBuffer(). */
    Result commitDirect(qsizetype n);

    /*!
        Offers a payload received earlier that the caller has finished with, for reuse as the
        storage of a later message: steady streams of large messages then reuse warm memory instead
        of a fresh allocation (and page faults) per message. Ignored unless \a buffer is unshared;
        one spare buffer is kept.
    */
    void recycle(QByteArray &&buffer);

    /*! True after a Close or Error event. */
    bool isFinished() const { return m_finished; }
    /*! True while a fragmented message is being received. */
    bool isMessageInProgress() const { return m_messageOpCode != OpCode::Continuation; }
    const Options &options() const { return m_options; }

private:
    enum class State { Header, Payload };
    Result fail(ProtocolError error, const QString &detail, qsizetype consumed);
    bool startFrame(Result *result);
    bool consumePayload(const char *src, qsizetype n, bool alreadyInPlace, Result *result);
    bool checkInflated(Inflater::Status status, qsizetype oldSize, Result *result);
    bool finishFrame(Result *result);
    bool finishClose(Result *result);
    void dropDirect();
    void reserveFor(qsizetype more);

    Options m_options;
    State m_state = State::Header;
    std::array<char, MaxFrameHeaderSize> m_headerBuf {};
    qsizetype m_headerSize = 0; // bytes of a partial header carried over between feeds
    FrameHeader m_frame;
    quint64 m_payloadRead = 0;
    OpCode m_messageOpCode
        = OpCode::Continuation; // opcode of the message in progress, Continuation if none
    bool m_messageCompressed = false;
    QByteArray m_message; // message being assembled (decompressed, unmasked)
    qsizetype m_frameStart = 0; // offset of the current frame's data in m_message (frame events)
    QByteArray m_control; // control frame payload
    QByteArray m_scratch; // unmasked compressed input
    QByteArray m_spare; // a recycled payload buffer for the next message
    Utf8Validator m_utf8;
    std::unique_ptr<Inflater> m_inflater;
    MessageEvent m_event;
    // The message event that follows the last frame event: only with frame events, so allocated
    // then (idle connections stay small).
    std::unique_ptr<MessageEvent> m_pending;
    bool m_hasPending = false;
    bool m_decodeAtEnd = false; // current text message: validate by decoding at its end
    bool m_finished = false;
    bool m_directActive = false;
    qsizetype m_directBase = 0;
};

/*!
    \class QtWs::Protocol::MessageWriter
    \brief Encodes messages and control frames into an output buffer (RFC 6455 §5, RFC 7692 §7.2.1).

    Appends header and payload to a caller's buffer with one copy of the payload (masked on the way
    for the client role, with a fresh key per frame from generateMaskKey(), OpenSSL's generator
    read through a per-thread buffer). Messages can be cut into frames of fragmentSize bytes; with
    permessage-deflate, messages are compressed as a whole and RSV1 is set on the first frame.

    \since 0.1
*/
class QTWS_EXPORT MessageWriter
{
public:
    using Options = MessageWriterOptions;

    explicit MessageWriter(const Options &options = Options());
    ~MessageWriter();
    MessageWriter(const MessageWriter &) = delete;
    MessageWriter &operator=(const MessageWriter &) = delete;

    /*! Appends a text message (\a utf8 must be valid UTF-8). */
    void writeText(QByteArray &out, QByteArrayView utf8) { writeMessage(out, OpCode::Text, utf8); }
    /*! Appends a binary message. */
    void writeBinary(QByteArray &out, QByteArrayView data)
    {
        writeMessage(out, OpCode::Binary, data);
    }
    /*! Appends a message (\a opCode Text or Binary), fragmented and compressed as configured. */
    void writeMessage(QByteArray &out, OpCode opCode, QByteArrayView payload);
    /*!
        Appends a single frame (for frame-level APIs: the caller manages fragmentation: \a opCode is
        Text or Binary on the first frame and Continuation afterwards). Never compressed.
    */
    void writeFrame(QByteArray &out, OpCode opCode, QByteArrayView payload, bool fin);
    /*! Appends a ping; \a payload is cut to 125 bytes. */
    void writePing(QByteArray &out, QByteArrayView payload);
    /*! Appends a pong; \a payload is cut to 125 bytes. */
    void writePong(QByteArray &out, QByteArrayView payload);
    /*!
        Appends a close frame with \a code and \a reason, the reason cut on a UTF-8 boundary to fit
        123 bytes (RFC 6455 §5.5). A code that is never sent (see sendableCloseCode()) writes an
        empty close frame.
    */
    void writeClose(QByteArray &out, quint16 code, const QString &reason = {});

    const Options &options() const { return m_options; }
    void setFragmentSize(qsizetype size) { m_options.fragmentSize = size; }

private:
    void writeRaw(QByteArray &out, OpCode opCode, QByteArrayView payload, bool fin, bool rsv1);

    Options m_options;
    std::unique_ptr<Deflater> m_deflater;
    QByteArray m_compressed;
};

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_MESSAGE_H
