// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_ENDPOINT_H
#define QTWS_PROTOCOL_ENDPOINT_H

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <qtws/qtws_export.h>

#include "message.h"

#include <utility>

namespace QtWs::Protocol {

/*!
    \class QtWs::Protocol::EndpointOptions
    \brief The receiver and sender settings of an Endpoint (also Endpoint::Options).

    The role is given to the Endpoint itself and overrides the role of both members.
    \since 0.2
*/
struct QTWS_EXPORT EndpointOptions
{
    MessageReaderOptions reader;
    MessageWriterOptions writer;

    /*!
        Turns permessage-deflate on (with the negotiated \a parameters) or off in both directions.
    */
    void setDeflate(bool on, const DeflateParameters &parameters);
};

/*!
    \class QtWs::Protocol::Endpoint
    \brief One end of an open WebSocket connection, either role, without I/O (RFC 6455 §5, §7).

    Holds the rules that need memory of the connection on top of MessageReader and MessageWriter,
    so that the client, the relay and qtws-cat's demo server follow them the same way:
    \list
    \li a Ping is answered with a Pong carrying its payload, unless our Close was sent
        (RFC 6455 §5.5.2, §5.5.3);
    \li the peer's Close is answered once with a Close echoing its code (RFC 6455 §5.5.1);
    \li a protocol violation fails the connection with the code RFC 6455 §7.4.1 gives it (1002,
        1007 or 1009): the Close frame is queued and no further input is read (§7.1.7);
    \li after our Close, received data is dropped unread (RFC 6455 §5.5.1: "after sending a Close
        frame, the endpoint MUST NOT send any more data frames"; we process none either);
    \li after the peer's Close or a violation, every further byte is ignored.
    \endlist

    Received bytes go in through feed() (or directBuffer() and commitDirect()), which stops after
    each event for the owner; takeEvent() hands it out with the rule already applied (a Ping event
    arrives with its Pong queued, a Close event with the reply queued, an Error event with our
    Close queued). The loop is the one of MessageReader:
    \code
    for (;;) {
        const auto r = endpoint.feed(data);
        data = data.sliced(r.consumed);
        if (!r.eventReady)
            break; // everything was consumed
        handle(endpoint.takeEvent());
    }
    writeToSocket(endpoint.output());
    endpoint.outputWritten();
    \endcode

    Bytes to send collect in one output buffer that the owner copies to its socket and then
    empties with outputWritten(). The buffer keeps its capacity between event-loop turns up to
    MaxRetainedOutputCapacity, so a busy connection does not allocate one per turn; an idle
    connection holds none until it first sends.
    \since 0.2
    \sa MessageReader, MessageWriter
*/
class QTWS_EXPORT Endpoint
{
public:
    using Options = EndpointOptions;
    using Result = MessageReader::Result;
    using DirectBuffer = MessageReader::DirectBuffer;

    /*! Smallest direct read worth skipping the owner's intermediate buffer for. */
    static constexpr qsizetype DirectReadMinimum = 16 * 1024;
    /*! Capacity reserved by the first queued frame (not before: idle connections stay small). */
    static constexpr qsizetype InitialOutputCapacity = 16 * 1024;
    /*! Largest output capacity kept between turns; a larger one (huge messages) is freed. */
    static constexpr qsizetype MaxRetainedOutputCapacity = 4 * 1024 * 1024;
    /*!
        Output larger than this is better shared with the socket than copied: QAbstractSocket
        writes one buffer chunk per write notification, so a large output copied in 32 KiB slices
        would leave 32 KiB per event-loop turn once the kernel buffer is full.
    */
    static constexpr qsizetype ShareOutputAbove = 256 * 1024;

    /*!
        An endpoint in \a role with \a options. \a output is queued before any frame: the rest of
        an opening handshake that was not written yet.
    */
    explicit Endpoint(Role role, const Options &options = Options(), QByteArray output = {});
    ~Endpoint();
    Endpoint(const Endpoint &) = delete;
    Endpoint &operator=(const Endpoint &) = delete;

    Role role() const { return m_role; }

    /*!
        Consumes bytes from \a data up to the first event for the owner, or all of them when no
        event is ready (so a result without an event means the input is used up). An event held
        back by the reader is returned on a call without bytes.
    */
    Result feed(QByteArrayView data);
    /*! The pending event (moves it out). */
    MessageEvent takeEvent() { return m_reader.takeEvent(); }

    /*!
        Where the next payload bytes of a large data frame may be read straight from the socket
        (see MessageReader::directBuffer()), or an empty range: also after our Close (the data
        would be dropped) and when fewer than DirectReadMinimum bytes fit.
    */
    DirectBuffer directBuffer();
    /*!
        Accepts \a n bytes read into directBuffer(). The reader may hold one more event back (the
        message after its last frame event): loop on feed() with no bytes afterwards.
    */
    Result commitDirect(qsizetype n);
    /*! Offers a payload the owner has finished with for reuse (MessageReader::recycle()). */
    void recycle(QByteArray &&buffer) { m_reader.recycle(std::move(buffer)); }

    /*! Queues a message (\a opCode Text or Binary); false (nothing queued) after our Close. */
    bool sendMessage(OpCode opCode, QByteArrayView payload);
    /*! Queues one frame (MessageWriter::writeFrame()); false after our Close. */
    bool sendFrame(OpCode opCode, QByteArrayView payload, bool fin);
    /*! Queues a Ping (\a payload cut to 125 bytes); false after our Close. */
    bool sendPing(QByteArrayView payload);
    /*!
        Queues our Close frame, once: false if it was already sent. A code that is never sent
        (1005, 1006, 1015) becomes an empty Close frame (see sendableCloseCode()).
    */
    bool sendClose(quint16 code, const QString &reason = {});

    /*! Everything queued for sending. */
    QByteArrayView output() const { return m_output; }
    qint64 pendingOutput() const { return m_output.size(); }
    /*! The bytes of output() were handed to the socket: empties it, keeping a bounded capacity. */
    void outputWritten();
    /*! True when the output buffer is too large to be kept: hand it over with takeOutput(). */
    bool isOutputOversized() const
    {
        return m_output.capacity() > MaxRetainedOutputCapacity
            || m_output.size() > ShareOutputAbove;
    }
    /*! Takes the output buffer (for an oversized one: the socket shares it instead of copying). */
    QByteArray takeOutput() { return std::exchange(m_output, QByteArray()); }

    /*!
        While \a held, Pings are not answered at once: the payload of the latest one is kept and
        its Pong queued when the hold ends (RFC 6455 §5.5.3 allows answering only the most recent
        Ping). For an owner whose peer does not read: a Ping flood then costs one payload, not a
        Pong per Ping in the socket's write buffer.
    */
    void setPongsHeld(bool held);
    bool arePongsHeld() const { return m_pongsHeld; }

    bool closeSent() const { return m_closeSent; }
    bool closeReceived() const { return m_closeReceived; }
    /*! True after the peer's Close or a protocol violation: the input is over. */
    bool isFinished() const { return m_reader.isFinished(); }
    /*! True when the close handshake is complete: our Close sent and the peer's received. */
    bool isClosed() const { return m_closeSent && m_closeReceived; }

    const MessageReader &reader() const { return m_reader; }
    const MessageWriter &writer() const { return m_writer; }

private:
    bool takeReaderEvent();
    void reserveOutput()
    {
        if (m_output.capacity() < InitialOutputCapacity)
            m_output.reserve(InitialOutputCapacity);
    }

    Role m_role;
    MessageReader m_reader;
    MessageWriter m_writer;
    QByteArray m_output;
    QByteArray m_heldPong; // the latest Ping's payload while Pongs are held
    bool m_pongHeld = false; // m_heldPong is owed
    bool m_pongsHeld = false;
    bool m_closeSent = false;
    bool m_closeReceived = false;
};

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_ENDPOINT_H
