// SPDX-License-Identifier: LGPL-3.0-or-later
// One WebSocket client implementation behind the bench's uniform interface. Adding a client library
// to qtws-bench is one adapter: implement this and register it in createAdapter().
#ifndef QTWS_BENCH_CLIENTADAPTER_H
#define QTWS_BENCH_CLIENTADAPTER_H

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkProxy>

#include <functional>
#include <memory>

namespace QtWsBench {

/*! A message to send, prepared once: the bytes, and for text the same as a QString. */
struct Outgoing
{
    QByteArray bytes;
    QString text;
    bool isText = false;
};

/*!
    \class QtWsBench::ClientAdapter
    \brief One WebSocket connection of a client library under test.

    Callbacks are plain std::function members set by the worker before open(); an adapter calls
    onMessage with the size of each complete message (bytes for binary; bytes or UTF-16 units for
    text, whichever the library hands out), and hands the content of one message to onContent when
    verifyNext is set (before onMessage), so the worker can check the echo without a per-message
   cost.
*/
class ClientAdapter
{
public:
    virtual ~ClientAdapter() = default;
    /*! Adapters start with QNetworkProxy::NoProxy; the proxied scenarios set an HTTP proxy. */
    virtual void setProxy(const QNetworkProxy &proxy) = 0;
    virtual void open(const QUrl &url) = 0;
    virtual void send(const Outgoing &message) = 0;
    /*! Drops the connection at once (no close handshake). */
    virtual void abort() = 0;

    std::function<void()> onConnected;
    std::function<void(qint64 size)> onMessage;
    /*! While set, the next message's content (UTF-8 for text) also goes to onContent, then it is
     * cleared. */
    bool verifyNext = false;
    std::function<void(const QByteArray &content)> onContent;
    std::function<void(const QString &error)> onError;
};

/*! Implementations compiled into this qtws-bench ("qt", and "qtws" once the client exists). */
QStringList adapterNames();
/*! A new connection of implementation `impl`, or nullptr. */
std::unique_ptr<ClientAdapter> createAdapter(const QString &impl);

} // namespace QtWsBench

#endif // QTWS_BENCH_CLIENTADAPTER_H
