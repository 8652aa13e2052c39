// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BRIDGE_BRIDGESOCKET_H
#define QTWS_BRIDGE_BRIDGESOCKET_H

#include <qtws/websocket.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <functional>

namespace QtWs {

/*
    One page WebSocket on the C++ side: the adapter between the page's facade and the
    QtWs::WebSocket it owns, in the shape of qtwebsockets' QQmlWebSocket (a status set by one
    setStatus(), the socket's signals turned into what the page must see). It speaks to the page
    through its BridgeHost, which batches events per event-loop turn.

    Page rules are Chromium's (third_party/blink/.../dom_websocket.cc): an error event precedes the
    close event of every connection that did not close cleanly; after the page called close() no
    message is delivered; the close code is 1006 unless a Close frame was exchanged.
*/
class BridgeSocket : public QObject
{
    Q_OBJECT
public:
    /*! What the page has been told; only setStatus() changes it. */
    enum class Status {
        Connecting, //!< waiting for the handshake (and for cookies to settle)
        Open, //!< the page got its open event
        Closing, //!< the page called close(), or the server started the close handshake
        Closed, //!< the page got its close event
    };
    Q_ENUM(Status)

    /*! Events for the page; \a event is the JSON array the page script dispatches. */
    using Sink = std::function<void(const QJsonArray &event)>;
    /*! How a received binary message travels to the page: a base64 string, or an object naming a
        URL of the bridge's scheme the page fetches it from. */
    using BinaryEncoder = std::function<QJsonValue(const QByteArray &data)>;

    BridgeSocket(
        int id, const QUrl &url, Sink sink, BinaryEncoder encoder, QObject *parent = nullptr);
    ~BridgeSocket() override;

    int id() const { return m_id; }
    QUrl url() const { return m_url; }
    Status status() const { return m_status; }
    WebSocket *socket() const { return m_socket; }

    /*! Starts the handshake with \a options (origin, subprotocols, cookies already set). */
    void open(const WebSocketOptions &options);
    /*! Sends what the page sent; false when it was not sent (not open: counted by the page only,
        or refused by the queue limit: the connection fails). */
    bool sendText(const QString &text);
    bool sendBinary(const QByteArray &data);
    /*! The page called close(); \a code is -1 when it gave none. In Connecting the connection is
        failed (error and close 1006), as Chromium does. */
    void close(int code, const QString &reason);
    /*! Fails the connection: error, then close with 1006 (limits, refused URL, page gone). */
    void fail(const QString &why);
    /*! Drops the connection without telling the page (its document is gone). */
    void drop();
    /*! Called by the host when cookies from the handshake are stored: the page gets its open event. */
    void announceOpen();

    /*! qtws extensions for ws.qtws on the page: facts about the connection a page cannot
        otherwise see. The connection report and the strategy go here when they land. */
    QJsonObject qtwsInfo() const;

Q_SIGNALS:
    /*! The handshake succeeded; the host stores Set-Cookie headers, then calls announceOpen(). */
    void handshakeFinished();
    /*! The page got its close event (or its document is gone): the host forgets the socket. */
    void finished();

private:
    void setStatus(Status status);
    void onStateChanged(WebSocket::State state);
    void onDisconnected();
    void onBytesWritten();
    void emitClose(int code, const QString &reason, bool wasClean, bool withError);
    bool accountSent(qint64 payloadBytes);

    const int m_id;
    const QUrl m_url;
    Sink m_sink;
    BinaryEncoder m_encoder;
    QList<QJsonArray> m_early; // messages that arrived before the page got its open event
    WebSocket *m_socket = nullptr;
    Status m_status = Status::Connecting;
    bool m_pageClosed = false; // the page called close(): no message events any more
    bool m_failed = false; // fail() already reported error and close
    bool m_offered = false; // the page offered subprotocols
    qint64 m_unconsumed = 0; // payload bytes the page counts in bufferedAmount
};

} // namespace QtWs

#endif // QTWS_BRIDGE_BRIDGESOCKET_H
