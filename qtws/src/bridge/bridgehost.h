// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BRIDGE_BRIDGEHOST_H
#define QTWS_BRIDGE_BRIDGEHOST_H

#include "webbridge_p.h"

#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <chrono>

QT_BEGIN_NAMESPACE
class QWebEnginePage;
QT_END_NAMESPACE

namespace QtWs {

class BridgeSocket;

/*
    The object a page's facade talks to: published on the page's web channel as "qtwsBridge".
    Operations arrive in batches (post()), events leave in batches (events()), at most one batch
    per event-loop turn, so that many small messages cost one channel message each way.

    Nothing from the page is trusted: every URL, origin, subprotocol and size is checked again
    here, and the page names its sockets only by numbers that are valid for its current document.
*/
class BridgeHost : public QObject
{
    Q_OBJECT
public:
    BridgeHost(WebBridgePrivate *bridge, QWebEnginePage *page);
    ~BridgeHost() override;

    /*! Operations from the page, each a JSON array [kind, document, ...] (see websocket.js). */
    Q_INVOKABLE void post(const QJsonArray &ops);

    qsizetype socketCount() const { return m_sockets.size(); }

Q_SIGNALS:
    /*! Events for the page, each a JSON array [kind, document, socket, ...]. */
    void events(const QJsonArray &batch);

private:
    struct Outgoing
    {
        enum class Kind { Text, Binary, Close };
        Kind kind = Kind::Text;
        QString text;
        QByteArray data;
        int code = -1;
        bool wasConnecting = false;
        quint32 serial = 0; // a large binary send still to be read from the page
    };
    using Key = quint64;
    static Key key(quint32 doc, int id) { return (Key(doc) << 32) | quint32(id); }

    void handle(const QJsonArray &array);
    void open(quint32 doc, int id, const QString &url, const QStringList &protocols,
        const QString &frameOrigin);
    void enqueue(Key k, Outgoing out);
    void drain(Key k);
    void pull();
    void resolveProxy(quint32 doc, int requestId, const QString &url);
    void dropDocument(quint32 doc, bool all);
    void queueEvent(const QJsonArray &event);
    void flush();
    QJsonValue encodeBinary(const QByteArray &data, const QString &origin);
    QString refusal(
        const QUrl &url, const QStringList &protocols, const QString &frameOrigin) const;

    WebBridgePrivate *const m_bridge;
    QPointer<QWebEnginePage> m_page;
    WebBridgePrivate::ProfileState m_profile;
    quint32 m_doc = 0;
    QHash<Key, BridgeSocket *> m_sockets;
    QHash<Key, QList<Outgoing>> m_outgoing;
    QList<QPair<Key, quint32>> m_pullRequests; // (socket, serial) to read with the next pull()
    bool m_pullScheduled = false;
    static constexpr std::chrono::milliseconds LazyFlushDelay {5};
    QJsonArray m_batch;
    QTimer m_lazyFlush; // flushes a batch of bufferedAmount updates only
    qint64 m_fetchThreshold = WebBridgePrivate::FetchThreshold;
    QByteArray m_bulk; // large received messages of m_batch, fetched by the page in one request
    QString m_bulkOrigin;
    bool m_flushScheduled = false;
};

} // namespace QtWs

#endif // QTWS_BRIDGE_BRIDGEHOST_H
