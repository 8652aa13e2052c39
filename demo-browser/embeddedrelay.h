// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_EMBEDDEDRELAY_H
#define QTWSDEMO_EMBEDDEDRELAY_H

#include "chatbackend.h"

#include <qtws/relayserver.h>

#include <QtCore/QObject>
#include <QtCore/QUrl>

/*!
    \class EmbeddedRelay
    \brief The demo's own server, so that it works on first launch with no setup: a
    QtWs::RelayServer on a free loopback port in front of a ChatBackend.

    The relay is the same one qtws-relay runs: page WebSockets reach it directly (loopback never
    goes through a proxy) and, when a proxy lets no upgrade through, over Engine.IO long-polling
    at /engine.io/ on the same port.
    \since 0.2
*/
class EmbeddedRelay : public QObject
{
    Q_OBJECT
public:
    explicit EmbeddedRelay(QObject *parent = nullptr);

    /*! Starts the chat room and the relay; \a pageOrigin is the origin allowed to open sessions. */
    bool start(const QString &pageOrigin);
    QString errorString() const { return m_error; }
    /*! ws://127.0.0.1:PORT/ */
    QUrl url() const;
    QtWs::RelayServer *server() { return &m_relay; }

private:
    ChatBackend m_backend;
    QtWs::RelayServer m_relay;
    QString m_error;
};

#endif // QTWSDEMO_EMBEDDEDRELAY_H
