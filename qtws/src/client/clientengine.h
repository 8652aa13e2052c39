// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CLIENTENGINE_H
#define QTWS_CLIENTENGINE_H

#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include "protocol/endpoint.h"
#include "protocol/handshake.h"
#include "protocol/httpmessage.h"

#include <memory>
#include <optional>
#include <utility>

namespace QtWs {

/*!
    \class QtWs::ClientEngine
    \internal
    \brief The client side of RFC 6455 over any byte stream: writes the opening handshake, validates
    the response, then turns received bytes into events and API calls into bytes.

    No I/O, no QObject, no timers: the owner feeds received bytes with receive(), takes the bytes to
    send from output() (once per event-loop turn, so that sends coalesce), then calls
    outputWritten(), and is told what happened through Handler. It drives the pure codecs
    (HttpHeadParser, HandshakeRequest) for the opening handshake, then a Protocol::Endpoint in the
    client role, which keeps the endpoint rules (answer pings, echo the Close frame once, fail the
    connection with the right code on a violation, RFC 6455 §7.1.7).

    Handler callbacks may call back into the engine (send, close, shutdown); after shutdown() the
    engine ignores the rest of its input.
    \since 0.1
*/
class QTWS_EXPORT ClientEngine
{
public:
    enum class Phase {
        Idle, //!< nothing started
        Handshaking, //!< request written, waiting for the response head
        Open, //!< frames flow
        Finished, //!< failed, closed or shut down: input is ignored
    };

    class Handler
    {
    public:
        virtual ~Handler() = default;
        /*! The 101 response was valid; messages may follow in the same receive() call. */
        virtual void engineHandshakeComplete() = 0;
        /*! The response was not an acceptable upgrade (HandshakeRejected/HandshakeInvalid). */
        virtual void engineHandshakeFailed(WebSocket::Error error, const QString &message) = 0;
        /*! A message or a frame (with frame events enabled) arrived. */
        virtual void engineMessage(Protocol::MessageEvent &event) = 0;
        virtual void enginePong(const QByteArray &payload) = 0;
        /*! The peer's Close frame arrived; the reply (if we had not sent one) is already queued. */
        virtual void engineCloseReceived(quint16 code, const QString &reason) = 0;
        /*! The peer violated the protocol; a Close frame with \a closeCode is already queued. */
        virtual void engineProtocolError(
            WebSocket::Error error, quint16 closeCode, const QString &message)
            = 0;
        /*! The engine queued bytes on its own (a pong or a close reply): flush soon. */
        virtual void engineOutputPending() = 0;
    };

    explicit ClientEngine(Handler *handler);
    ~ClientEngine();
    Q_DISABLE_COPY_MOVE(ClientEngine)

    /*!
        Checks \a options and \a requestHeaders (extra headers from a QNetworkRequest) and queues
        the opening handshake for \a url. Returns false with \a error set (Error::InvalidUrl or
        Error::InvalidOptions) and \a message when they cannot be sent.
    */
    bool startHandshake(const QUrl &url, const WebSocketOptions &options,
        const QList<WebSocket::Header> &requestHeaders, WebSocket::Error *error, QString *message);

    /*!
        Also report single frames (TextFrame/BinaryFrame events); takes effect when the handshake
        completes.
    */
    void setFrameEvents(bool on) { m_frameEvents = on; }

    /*! Feeds received bytes. */
    void receive(const QByteArray &data);

    /*!
        Where the next payload bytes of a large frame may be read straight from the stream (one
        copy, no intermediate buffer), or an empty range: see MessageReader::directBuffer(). Only in
        the Open phase, and only when at least Protocol::Endpoint::DirectReadMinimum bytes fit.
    */
    Protocol::MessageReader::DirectBuffer directBuffer();
    /*! Accepts \a n bytes read into directBuffer() and handles the events they complete. */
    void commitDirect(qsizetype n);

    /*! Queues a message (Open phase, before our Close). */
    void sendMessage(Protocol::OpCode opCode, QByteArrayView payload);
    void sendPing(QByteArrayView payload);
    /*! Queues our Close frame (once). */
    void sendClose(quint16 code, const QString &reason);
    /*! Ignores all further input and output. */
    void shutdown();

    /*!
        Everything queued for sending. The owner copies it out (ByteStream::writeBytes()) and then
        calls outputWritten(): the buffer keeps its capacity, so a busy connection does not
        allocate, page-fault and free an output buffer every event-loop turn.
    */
    QByteArrayView output() const
    {
        return m_endpoint ? m_endpoint->output() : QByteArrayView(m_handshakeOutput);
    }
    qint64 pendingOutput() const { return output().size(); }
    /*! The bytes of output() were handed to the stream: empties it, keeping a bounded capacity. */
    void outputWritten();
    /*!
        True when the output buffer is too large to be kept: hand it over with takeOutput() (see
        Protocol::Endpoint::isOutputOversized()).
    */
    bool isOutputOversized() const { return m_endpoint && m_endpoint->isOutputOversized(); }
    /*! Takes the output buffer (for an oversized one: the stream shares it instead of copying). */
    QByteArray takeOutput();

    Phase phase() const { return m_phase; }
    bool closeSent() const { return m_endpoint && m_endpoint->closeSent(); }
    bool closeReceived() const { return m_endpoint && m_endpoint->closeReceived(); }

    /*!
        The request header fields as sent, and the response's as received (empty before), parsed
        again on each call from the one buffer each head is kept in: an idle connection keeps two
        allocations instead of a list of fields.
    */
    QList<WebSocket::Header> requestHeaders() const;
    QList<WebSocket::Header> responseHeaders() const;
    /*! The response's status code, 0 before it arrived. */
    int responseStatusCode() const { return m_responseStatusCode; }
    const Protocol::HandshakeResult &handshakeResult() const { return m_result; }

    /*! Header names an application may not set: the handshake owns them (RFC 6455 §4.1). */
    static bool isReservedHeader(QByteArrayView name);

private:
    void receiveHandshake(const QByteArray &data);
    void receiveFrames(QByteArrayView data);
    void handleEvent();
    void reportOutput();

    Handler *m_handler;
    Phase m_phase = Phase::Idle;
    // What only the opening handshake needs: freed when the response has been read.
    struct Handshake
    {
        WebSocketOptions options;
        Protocol::HandshakeRequest request;
        Protocol::HttpHeadParser parser {Protocol::HttpHeadParser::Mode::Response};
    };
    std::unique_ptr<Handshake> m_handshake;
    QByteArray m_requestHead; // serialized as sent
    QByteArray m_responseHead; // serialized from the response as received
    int m_responseStatusCode = 0;
    Protocol::HandshakeResult m_result;
    std::optional<Protocol::Endpoint> m_endpoint; // from the 101 on, in place
    QByteArray m_handshakeOutput; // the request until the endpoint exists
    bool m_frameEvents = false;
};

} // namespace QtWs

#endif // QTWS_CLIENTENGINE_H
