// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_ENGINEIOTRANSPORT_H
#define QTWS_RELAY_ENGINEIOTRANSPORT_H

#include "protocol/engineio.h"
#include "protocol/httpmessage.h"

#include <qtws/relayserver.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QQueue>

namespace QtWs::Relay {

class HttpConnection;
class ServerWebSocket;
struct Request;

/*!
    The close packet that ends an Engine.IO session for the client. qtws extension: its data
    carries the WebSocket close code and reason (`1{"code":4001,"reason":"bye"}`, see
    EngineIo::CloseInfo); 1005 and 1006 send a plain `1`.
*/
EngineIo::Packet closePacket(quint16 code, const QString &reason);

/*! Which request a CORS answer is for. */
enum class CorsRequest { Actual, Preflight };

/*!
    Adds the CORS headers that let a page on \a origin read a polling answer (browsers poll
    cross-origin with credentials); nothing for an empty \a origin (same-origin or not a browser).
    The origin must have passed the server's allowlist. A preflight answer also names the methods
    and headers a poll may use.
*/
void addCorsHeaders(Protocol::HttpHeaders *headers, const QByteArray &origin, CorsRequest request);

/*!
    How the packets of an Engine.IO session travel between the relay and the client: the session
    (EngineIoSession) sends and receives packets, its transport carries them.
*/
class EngineIoTransport : public QObject
{
    Q_OBJECT
public:
    /*! Queues or writes \a packet for the client. */
    virtual void send(const EngineIo::Packet &packet) = 0;
    /*! Bytes waiting to reach the client (every queued packet counts at least one). */
    virtual qint64 queuedBytes() const = 0;
    /*! Stops (or resumes) reading the client's packets: backpressure towards the backend. */
    virtual void setReadingPaused(bool paused) = 0;
    /*! Reading is paused and the client has sent what the relay holds unread (a POST waiting
        for its answer, bytes in the socket): the client is alive, and its Pong may be held. */
    virtual bool holdsClientInput() const = 0;
    /*! Ends the transport: the client gets closePacket(code, reason) where it can still be
        reached. No signal follows. */
    virtual void close(quint16 code, const QString &reason) = 0;

Q_SIGNALS:
    void packetReceived(const QtWs::EngineIo::Packet &packet);
    /*! The client is gone or broke the protocol (\a code 1002). */
    void disconnected(quint16 code, const QString &reason);
    /*! queuedBytes() decreased. */
    void bytesWritten();

protected:
    using QObject::QObject;
};

/*!
    Engine.IO long-polling: packets for the client wait in a queue until it polls (a GET, held
    until there is something to send); its packets come in POST bodies. One poll and one POST at
    a time; a POST is answered only while reading is not paused, so that the client sends its next
    payload only once the backend drained.
*/
class PollingTransport final : public EngineIoTransport
{
    Q_OBJECT
public:
    /*!
        Idle: no poll is held. Polling: a poll is held until there is something to send. Paused:
        an upgrade is under way, every poll is answered at once with a noop. Closed: the session
        left polling (closed or upgraded).
    */
    enum class State { Idle, Polling, Paused, Closed };
    Q_ENUM(State)

    PollingTransport(const QByteArray &origin, qint64 maxPayload, QObject *parent);
    ~PollingTransport() override;

    State state() const { return m_state; }
    /*! Headers of every polling answer (content type, no caching, CORS). */
    Protocol::HttpHeaders responseHeaders(const QByteArray &contentType) const;
    /*! A GET (poll) or POST (packets from the client) of this session. */
    void handleRequest(HttpConnection *connection, const Request &request);
    /*!
        The upgrade probe succeeded: a held poll returns with a noop, and so does every poll until
        handOver() or resume(), so that the client can pause polling and send the upgrade packet.
    */
    void pause();
    /*! The upgrade failed: polls are held again. */
    void resume();
    /*! The session moves to another transport: held requests are answered, the queued packets
        are handed over. */
    QList<EngineIo::Packet> handOver();

    void send(const EngineIo::Packet &packet) override;
    qint64 queuedBytes() const override { return m_queuedBytes; }
    void setReadingPaused(bool paused) override;
    bool holdsClientInput() const override { return !m_send.isNull(); }
    void close(quint16 code, const QString &reason) override;

private:
    void setState(State state);
    HttpConnection *heldPoll();
    void handlePoll(HttpConnection *connection);
    void handleSend(HttpConnection *connection, const Request &request);
    void answerSend(HttpConnection *connection);
    void respondPoll(const QList<EngineIo::Packet> &packets);
    void flush();

    const QByteArray m_origin;
    const qint64 m_maxPayload;
    State m_state = State::Idle;
    QPointer<HttpConnection> m_poll; // held GET
    QPointer<HttpConnection> m_send; // POST answered once reading resumes
    QQueue<EngineIo::Packet> m_queue;
    qint64 m_queuedBytes = 0;
    bool m_paused = false;
};

/*!
    Engine.IO over WebSocket: a text frame carries one packet, a binary frame a binary message.
    Directly after the handshake, or after an upgrade from polling: then the transport starts
    Probing (answers "2probe" with "3probe") and becomes Open with the client's upgrade packet.
*/
class WebSocketTransport final : public EngineIoTransport
{
    Q_OBJECT
public:
    enum class State { Probing, Open, Closed };
    Q_ENUM(State)

    WebSocketTransport(ServerWebSocket *socket, State state, QObject *parent);
    ~WebSocketTransport() override;

    State state() const { return m_state; }
    void send(const EngineIo::Packet &packet) override;
    qint64 queuedBytes() const override;
    void setReadingPaused(bool paused) override;
    bool holdsClientInput() const override;
    void close(quint16 code, const QString &reason) override;

Q_SIGNALS:
    /*! Probing: the client's probe was answered. */
    void probeAnswered();
    /*! Probing: the client asked for the upgrade; the transport is Open. */
    void upgraded();

private:
    void setState(State state);
    void write(const EngineIo::Packet &packet);
    void onMessage(const QByteArray &data, bool binary);
    void onProbePacket(const EngineIo::Packet &packet);
    void onSocketDisconnected(quint16 code, const QString &reason);
    void fail(const QString &reason);

    QPointer<ServerWebSocket> m_socket;
    State m_state;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_ENGINEIOTRANSPORT_H
