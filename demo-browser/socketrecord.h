// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_SOCKETRECORD_H
#define QTWSDEMO_SOCKETRECORD_H

#include <qtws/connectreport.h>
#include <qtws/websocket.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>

#include <chrono>

/*!
    \class SocketRecord
    \brief What the inspector knows of one page WebSocket: URL, state, strategy, proxy, bytes and
    messages each way, the connection report as it grows, and a capped log of messages.

    It follows the QtWs::WebSocket the bridge created for the page (its signals for what arrives
    and for the attempts; the bridge's textMessageSent() and binaryMessageSent(), passed to
    recordSent(), for what the page sent), and keeps the last of everything once the bridge has
    deleted the socket. Bytes are message payload bytes, as the page counts them.
    \since 0.2
*/
class SocketRecord : public QObject
{
    Q_OBJECT
public:
    /*! Messages kept in the log; older ones are dropped (and counted). */
    static constexpr qsizetype MaxLogEntries = 500;
    /*! Bytes of each message kept for the log. */
    static constexpr qsizetype HeadBytes = 48;

    struct LogEntry
    {
        std::chrono::milliseconds at {0}; //!< since the socket was created
        bool outgoing = false;
        bool binary = false;
        qint64 size = 0;
        QByteArray head; //!< the first HeadBytes bytes
    };

    SocketRecord(QtWs::WebSocket *socket, const QUrl &pageUrl, QObject *parent = nullptr);

    QtWs::WebSocket *socket() const { return m_socket; }
    QUrl url() const { return m_url; }
    QUrl pageUrl() const { return m_pageUrl; }
    QtWs::WebSocket::State state() const { return m_state; }
    /*! "connecting", "open", "closing", "closed". */
    QString stateName() const;
    /*! The strategy that connected ("direct", "connect", "polling", ...); empty until then. */
    QString strategy() const { return m_strategy; }
    /*! The hop in PAC form ("DIRECT", "PROXY host:3128"); empty until connected. */
    QString proxy() const { return m_proxy; }
    qint64 bytesIn() const { return m_bytesIn; }
    qint64 bytesOut() const { return m_bytesOut; }
    qint64 messagesIn() const { return m_messagesIn; }
    qint64 messagesOut() const { return m_messagesOut; }
    QtWs::ConnectReport report() const { return m_report; }
    /*! How it ended: close code and reason, or the error; empty while it lives. */
    QString outcome() const { return m_outcome; }

    const QList<LogEntry> &log() const { return m_log; }
    /*! Log entries dropped so far because of MaxLogEntries. */
    qint64 droppedLogEntries() const { return m_dropped; }

    /*! The page sent \a payload on the socket. */
    void recordSent(const QByteArray &payload, bool binary);

Q_SIGNALS:
    /*! Something shown in the socket list or the report changed. */
    void changed();
    /*! A message was appended to log() (after the oldest was dropped when it was full). */
    void messageLogged();

private:
    void refresh();
    void received(const QByteArray &payload, bool binary);
    void appendLog(const QByteArray &payload, bool outgoing, bool binary);

    QPointer<QtWs::WebSocket> m_socket;
    QUrl m_url;
    QUrl m_pageUrl;
    QElapsedTimer m_clock;
    QtWs::WebSocket::State m_state = QtWs::WebSocket::State::Connecting;
    bool m_ended = false;
    QString m_strategy;
    QString m_proxy;
    QString m_outcome;
    qint64 m_bytesIn = 0;
    qint64 m_bytesOut = 0;
    qint64 m_messagesIn = 0;
    qint64 m_messagesOut = 0;
    QtWs::ConnectReport m_report;
    QList<LogEntry> m_log;
    qint64 m_dropped = 0;
};

#endif // QTWSDEMO_SOCKETRECORD_H
