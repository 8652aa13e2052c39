// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BRIDGE_BRIDGESCHEMEHANDLER_H
#define QTWS_BRIDGE_BRIDGESCHEMEHANDLER_H

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QUrl>
#include <QtWebEngineCore/QWebEngineUrlSchemeHandler>

namespace QtWs {

/*
    Serves received binary messages to pages as bytes (qtws-bridge:/<token>), so that they do not
    cross the web channel as base64 text. One per profile. A payload is served once, only to a
    request whose initiator is the origin the message belongs to, under a 128-bit token from
    QRandomGenerator::system(); payloads of a page that goes away are dropped.
*/
class BridgeSchemeHandler : public QWebEngineUrlSchemeHandler
{
    Q_OBJECT
public:
    explicit BridgeSchemeHandler(QObject *parent = nullptr);
    ~BridgeSchemeHandler() override;

    /*! Keeps \a data for one fetch by a page of \a origin; returns the URL to fetch. */
    QUrl add(const QByteArray &data, const QString &origin, QObject *owner);
    /*! Drops every payload of \a owner. */
    void removeOwner(QObject *owner);
    qsizetype pendingCount() const { return m_payloads.size(); }

    void requestStarted(QWebEngineUrlRequestJob *job) override;

private:
    struct Payload
    {
        QByteArray data;
        QString origin;
        QObject *owner = nullptr;
    };
    QHash<QString, Payload> m_payloads;
};

} // namespace QtWs

#endif // QTWS_BRIDGE_BRIDGESCHEMEHANDLER_H
