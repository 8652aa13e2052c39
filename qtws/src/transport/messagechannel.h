// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_MESSAGECHANNEL_H
#define QTWS_TRANSPORT_MESSAGECHANNEL_H

#include "protocol/message.h"

#include <qtws/websocket.h>

#include <QtCore/QObject>

namespace QtWs {

/*!
    \class QtWs::MessageChannel
    \internal
    \brief An open WebSocket connection as QtWs::WebSocket sees it, whatever carries it: RFC 6455
    frames over a byte stream (StreamChannel), or Engine.IO v4 packets over HTTP long-polling
    requests (PollingChannel).

    The WebSocket keeps the state machine, the signals, the send queue limit, the deadlines and the
    keep-alive; a channel only moves messages and tells its Handler what arrived. A strategy hands
    the WebSocket a channel that is already open (its handshake is done), and the WebSocket calls
    start() once it listens.

    Handler calls may re-enter the channel (send, close, abort) and may delete the WebSocket that
    owns it: a channel checks after every call that it is still alive before touching its members.
    \since 0.2
*/
class QTWS_EXPORT MessageChannel : public QObject
{
    Q_OBJECT
public:
    /*! What the channel reports, in the order it happens. */
    class Handler
    {
    public:
        virtual ~Handler() = default;
        /*! A message (or, with frame events on, a frame) arrived. */
        virtual void channelMessage(Protocol::MessageEvent &event) = 0;
        /*! An answer to a ping arrived (\a payload as sent). */
        virtual void channelPong(const QByteArray &payload) = 0;
        /*! The peer closed with \a code (1005 without one) and \a reason; our answer is sent. */
        virtual void channelCloseReceived(quint16 code, const QString &reason) = 0;
        /*!
            The peer broke the protocol (or a limit): the channel already sent what the wire
            expects (a Close with \a closeCode) and will disconnect; \a error and \a message say
            why.
        */
        virtual void channelProtocolError(
            WebSocket::Error error, quint16 closeCode, const QString &message)
            = 0;
        /*!
            The transport is gone. \a clean is true when the close handshake had completed (or we
            failed the connection and already reported why); otherwise \a reason says what ended
            it (close code 1006).
        */
        virtual void channelDisconnected(bool clean, const QString &reason) = 0;
        /*! \a bytes of ours reached the transport. */
        virtual void channelBytesWritten(qint64 bytes) = 0;
    };

    using QObject::QObject;
    ~MessageChannel() override;

    void setHandler(Handler *handler) { m_handler = handler; }
    Handler *handler() const { return m_handler; }

    /*! Starts delivering (data that arrived with the handshake first). */
    virtual void start() = 0;

    /*! Queues a message; false when our Close was already sent. */
    virtual bool sendMessage(Protocol::OpCode opCode, QByteArrayView payload) = 0;
    /*! True when ping() can be carried with its payload (RFC 6455 Ping; Engine.IO cannot). */
    virtual bool canPing() const = 0;
    virtual void sendPing(QByteArrayView payload) = 0;
    /*! Starts the close handshake with \a code and \a reason (once). */
    virtual void close(quint16 code, const QString &reason) = 0;
    /*! Ends the transport after the close handshake, or at once after a failure. */
    virtual void disconnectFromPeer() = 0;
    /*! Drops everything at once; no Handler call follows. */
    virtual void abort() = 0;

    virtual bool closeSent() const = 0;
    virtual bool closeReceived() const = 0;
    /*! Bytes accepted by sendMessage() and not yet handed to the network. */
    virtual qint64 bufferedAmount() const = 0;
    /*! When anything last arrived from the peer, on the connection's ClientClock (keep-alive
        pings only when idle). */
    virtual qint64 lastReceivedAt() const = 0;

    /*! The opening handshake as it went: what the WebSocket's accessors report. */
    struct Handshake
    {
        QByteArray requestHead; //!< the request head as sent, serialized
        int statusCode = 0;
        QByteArray responseHead; //!< the response head as received, serialized
        QByteArray subprotocol;
        QByteArray extensions;
        bool compressed = false;
    };
    virtual Handshake handshake() const = 0;
    /*! For logs: "host:port", or the polling endpoint. */
    virtual QString peerDescription() const = 0;

private:
    Handler *m_handler = nullptr;
};

} // namespace QtWs

#endif // QTWS_TRANSPORT_MESSAGECHANNEL_H
