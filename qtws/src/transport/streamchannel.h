// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_STREAMCHANNEL_H
#define QTWS_TRANSPORT_STREAMCHANNEL_H

#include "common/clientclock.h"
#include "messagechannel.h"
#include "protocol/endpoint.h"
#include "protocol/handshake.h"

#include <QtCore/QPointer>

#include <memory>
#include <vector>

namespace QtWs {

class ByteStream;

/*!
    \class QtWs::StreamChannel
    \internal
    \brief RFC 6455 frames over a ByteStream: the channel every strategy but polling ends in.

    Built by a strategy once the server's 101 was validated, from the stream the upgrade went over
    and the bytes that followed the 101 in the same read (frames: RFC 6455 §4.1). It owns the
    stream, drives a Protocol::Endpoint in the client role, and does the stream plumbing:
    \list
    \li sends are coalesced into one write per event-loop turn (a send when nothing is queued goes
        out at once; replies triggered by received data leave in one write after it);
    \li the payload of a large frame is read straight from the stream into the message;
    \li a large output buffer is shared with the stream instead of copied.
    \endlist
    \since 0.2
*/
class QTWS_EXPORT StreamChannel final : public MessageChannel
{
    Q_OBJECT
public:
    /*!
        Queued output at which a send writes at once instead of waiting for the end of the turn:
        keeps the output buffer small and below glibc's mmap threshold during bursts.
    */
    static constexpr qint64 EarlyFlushThreshold = 64 * 1024;
    /*!
        Bytes waiting in the stream above which Pongs are held (Endpoint::setPongsHeld()): the peer
        is not reading, so only its latest Ping is answered, once the backlog drains.
    */
    static constexpr qint64 MaxUnsentBeforeHoldingPongs = 256 * 1024;

    /*!
        What the channel keeps of the opening handshake for WebSocket's accessors: the heads
        serialized (one buffer each, parsed again on demand: an idle connection keeps no lists of
        fields) and what was negotiated.
    */
    struct Opening
    {
        QByteArray requestHead;
        QByteArray responseHead;
        int statusCode = 0;
        QByteArray subprotocol;
        QByteArray extensions;
        bool compressed = false;

        Opening() = default;
        Opening(const Protocol::HttpRequestHead &request,
            const Protocol::HttpResponseHead &response, const Protocol::HandshakeResult &result);
    };

    /*!
        Takes \a stream (open, after a valid 101), the endpoint settings \a options (limits, frame
        events, the negotiated deflate), the handshake \a opening, and \a pending: bytes that came
        after the 101.
    */
    StreamChannel(ByteStream *stream, const Protocol::EndpointOptions &options, Opening opening,
        const QByteArray &pending, ClientClock *clock, QObject *parent = nullptr);
    ~StreamChannel() override;

    void start() override;
    bool sendMessage(Protocol::OpCode opCode, QByteArrayView payload) override;
    bool canPing() const override { return true; }
    void sendPing(QByteArrayView payload) override;
    void close(quint16 code, const QString &reason) override;
    void disconnectFromPeer() override;
    void abort() override;
    bool closeSent() const override { return m_endpoint.closeSent(); }
    bool closeReceived() const override { return m_endpoint.closeReceived(); }
    qint64 bufferedAmount() const override;
    qint64 lastReceivedAt() const override { return m_lastReceivedAt; }
    Handshake handshake() const override;
    QString peerDescription() const override;

    ByteStream *stream() const { return m_stream; }

    /*!
        Proves that bytes flow after the 101 before anyone relies on the connection: sends a Ping
        with \a payload and reads until its Pong, or any other frame, arrives (probeFinished(true)),
        or the stream ends (probeFinished(false)). A proxy that forwards the server's 101 and then
        relays nothing (Privoxy does) is told apart this way. What arrives meanwhile (messages, a
        Close) is kept and delivered once start() is called. The caller bounds the wait.
    */
    void startProbe(const QByteArray &payload);
    bool isProbing() const { return m_probing; }

Q_SIGNALS:
    void probeFinished(bool ok, const QString &reason);

private:
    void listen();
    void endProbe(bool ok, const QString &reason);
    void dispatch(Protocol::MessageEvent &event);
    void onReadyRead();
    void onDisconnected();
    void feed(QByteArrayView data);
    void handleEvent();
    void requestFlush();
    void scheduleFlush();
    void flush();
    void releaseHeldPongs();

    QPointer<ByteStream> m_stream;
    Protocol::Endpoint m_endpoint;
    Opening m_opening;
    QByteArray m_pending;
    ClientClock *m_clock;
    qint64 m_lastReceivedAt;
    bool m_started = false;
    bool m_listening = false;
    bool m_receiving = false; // inside onReadyRead(): sends are flushed when it returns
    bool m_flushScheduled = false;
    bool m_failed = false; // we failed the connection (protocol error) and reported it
    bool m_probing = false;
    QByteArray m_probePayload;
    std::vector<Protocol::MessageEvent> m_held; // events that arrived while probing
    bool m_gone = false;
};

} // namespace QtWs

#endif // QTWS_TRANSPORT_STREAMCHANNEL_H
