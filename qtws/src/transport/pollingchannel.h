// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TRANSPORT_POLLINGCHANNEL_H
#define QTWS_TRANSPORT_POLLINGCHANNEL_H

#include "common/clientclock.h"
#include "messagechannel.h"
#include "protocol/engineio.h"
#include "protocol/httpmessage.h"

#include <QtCore/QList>
#include <QtCore/QPointer>
#include <QtCore/QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace QtWs {

class ByteStream;
class HttpExchange;

/*!
    \class QtWs::PollingChannel
    \internal
    \brief A WebSocket connection carried by Engine.IO v4 long-polling: plain HTTP/1.1 requests
    that any proxy forwards (the Polling strategy).

    The mapping (docs/polling.md):
    \list
    \li A message is an Engine.IO message packet: text as is, binary as "b" + base64 (polling
        payloads are text). Queued messages leave together in one POST, separated by the record
        separator (0x1e); one POST is outstanding at a time, and bufferedAmount() counts every
        message that no POST answer has accepted yet.
    \li One GET (the long poll) is outstanding at a time; its answer carries the server's packets.
        GET and POST each keep their own connection alive and reuse it.
    \li close(code, reason) sends a close packet with the qtws relay's data,
        `1{"code":..,"reason":..}`; the peer's close packet ends the session with its code and
        reason (1005 when a stock Engine.IO server sends a bare "1").
    \li The server pings (v4), the channel answers with a pong; no ping within pingInterval +
        pingTimeout of the open packet fails the connection with WebSocket::Error::PongTimeout.
        canPing() is false: Engine.IO pings cannot carry an application payload.
    \endlist
    Requests carry sid, EIO=4, transport=polling and a cache-busting t=, keep the endpoint URL's
    own query, and replay the cookies the server set (sticky load balancers). How a connection is
    opened and how a request is addressed (origin form, or absolute form with the proxy's
    credentials) is the Path's business.

    Nothing is retried: a request that fails ends the connection (1006) and the messages no POST
    answer accepted are not reported written.
    \since 0.2
*/
class QTWS_EXPORT PollingChannel final : public MessageChannel
{
    Q_OBJECT
public:
    /*! Largest response body read (a poll's payload); larger ends in Error::MessageTooBig. */
    static constexpr qint64 MaxResponseBytes = 8 * 1024 * 1024;

    /*! Opens the connections of the channel's requests and addresses them. */
    class Path
    {
    public:
        virtual ~Path();
        /*! \a stream is open (the caller owns it), or null with \a error saying why. */
        using Done = std::function<void(ByteStream *stream, const QString &error)>;
        /*! Opens a new connection for the endpoint; \a done is called once, never from inside. */
        virtual void openStream(Done done) = 0;
        /*! Sets the request target for \a url (origin or absolute form) and hop headers. */
        virtual void address(Protocol::HttpRequestHead &head, const QUrl &url) = 0;
        /*! For logs and the report: "via proxy host:port", "direct". */
        virtual QString description() const = 0;
    };

    /*! What the channel needs to know. */
    struct Settings
    {
        QUrl endpoint; //!< http(s)://host:port/engine.io/ (its query is kept)
        Protocol::HttpHeaders headers; //!< added to every request (Origin, the application's)
        qint64 maxMessageSize = 0; //!< 0: no limit beyond MaxResponseBytes
        bool frameEvents = false; //!< deliver each message as one last frame
        ClientClock *clock = ClientClock::system();
    };

    /*! How the opening handshake (the first GET, answered with the open packet) failed. */
    struct OpenFailure
    {
        WebSocket::Error error = WebSocket::Error::NoError;
        QString reason;
        QString detail;
        std::optional<Protocol::HttpResponseHead> response;
    };

    PollingChannel(const Settings &settings, std::unique_ptr<Path> path, QObject *parent = nullptr);
    ~PollingChannel() override;

    /*!
        Sends the opening GET over \a stream (already connected along the path; null: the path
        opens one). handshakeFinished() follows, then isOpen() or openFailure().
    */
    void open(ByteStream *stream);
    bool isOpen() const { return m_sid.size() > 0 && !m_openFailure; }
    const std::optional<OpenFailure> &openFailure() const { return m_openFailure; }
    /*! The session as the open packet described it. */
    const EngineIo::OpenPayload &session() const { return m_session; }

    void start() override;
    bool sendMessage(Protocol::OpCode opCode, QByteArrayView payload) override;
    bool canPing() const override { return false; }
    void sendPing(QByteArrayView) override { }
    void close(quint16 code, const QString &reason) override;
    void disconnectFromPeer() override;
    void abort() override;
    bool closeSent() const override { return m_closeSent; }
    bool closeReceived() const override { return m_closeReceived; }
    qint64 bufferedAmount() const override { return m_queuedBytes + m_postedBytes; }
    qint64 lastReceivedAt() const override { return m_lastReceivedAt; }
    Handshake handshake() const override;
    QString peerDescription() const override;

Q_SIGNALS:
    void handshakeFinished();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    // One of the two request lines: the long poll, or the POSTs. Each keeps its connection.
    struct Leg
    {
        QPointer<ByteStream> stream;
        QPointer<HttpExchange> exchange;
        bool opening = false;
        bool reused = false; // the request went on a connection kept from an earlier one
        bool retried = false; // it was sent again on a fresh connection (once at most)
        Protocol::HttpRequestHead head; // the request waiting for a connection
        QByteArray body;
    };

    Protocol::HttpRequestHead requestHead(QByteArrayView method);
    void request(Leg &leg, const Protocol::HttpRequestHead &head, const QByteArray &body);
    void startExchange(Leg &leg);
    HttpExchange *finishExchange(Leg &leg);
    bool retryOnFreshConnection(Leg &leg, const HttpExchange &exchange);
    std::optional<QString> responseProblem(const HttpExchange &exchange, WebSocket::Error *error);
    void keepCookies(const Protocol::HttpResponseHead &response);
    void onOpenAnswer();
    void failOpen(WebSocket::Error error, const QString &reason, const QString &detail,
        const std::optional<Protocol::HttpResponseHead> &response = std::nullopt);
    void poll();
    void onPollAnswer();
    void deliver(QList<EngineIo::Packet> packets);
    bool deliverMessage(EngineIo::Packet &packet);
    void onCloseReceived(const EngineIo::Packet &packet);
    void scheduleFlush();
    void flush();
    void onPostAnswer();
    void fail(WebSocket::Error error, quint16 code, const QString &message);
    void lose(const QString &reason);
    void endLater(bool clean, const QString &reason);
    void endAfterOurClose(const QString &reason);
    void stopAll();

    Settings m_settings;
    std::unique_ptr<Path> m_path;
    Leg m_pollLeg;
    Leg m_postLeg;
    EngineIo::OpenPayload m_session;
    QByteArray m_sid;
    QList<QPair<QByteArray, QByteArray>> m_cookies;
    std::optional<OpenFailure> m_openFailure;
    QByteArray m_openRequest;
    QByteArray m_openResponse;
    QList<EngineIo::Packet> m_held; // packets that came with the open packet, for start()
    QList<EngineIo::Packet> m_queue; // to POST
    qint64 m_queuedBytes = 0; // message bytes in m_queue
    qint64 m_postedBytes = 0; // message bytes of the POST under way
    qint64 m_lastReceivedAt = 0;
    quint64 m_requestCount = 0;
    ClockTimer m_pingDeadline;
    bool m_started = false;
    bool m_flushScheduled = false;
    bool m_closeSent = false;
    bool m_closeReceived = false;
    bool m_failed = false;
    bool m_ended = false; // channelDisconnected() reported or queued
    bool m_gone = false; // abort(): no Handler call follows
};

} // namespace QtWs

#endif // QTWS_TRANSPORT_POLLINGCHANNEL_H
