// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_QML_QMLWEBSOCKET_H
#define QTWS_QML_QMLWEBSOCKET_H

#include <qtws/websocket.h>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtQml/QQmlParserStatus>
#include <QtQml/qqmlregistration.h>

namespace QtWs {

/*
    The QML type WebSocket of "import Qtws": the properties, methods and signals of Qt's own QML
    WebSocket (QtWebSockets' QQmlWebSocket, Qt 6.4) over a QtWs::WebSocket, plus the proxy
    configuration, the strategies and the connection report. A facade in the shape of
    QQmlWebSocket: it owns the socket, its properties notify, and only setStatus() changes the
    status. docs/qml.md lists the differences from Qt's type.
*/
class QmlWebSocket : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_NAMED_ELEMENT(WebSocket)

    // Qt's QML WebSocket
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(QStringList requestedSubprotocols READ requestedSubprotocols WRITE
            setRequestedSubprotocols NOTIFY requestedSubprotocolsChanged)
    Q_PROPERTY(QString negotiatedSubprotocol READ negotiatedSubprotocol NOTIFY
            negotiatedSubprotocolChanged)

    // qtws: the proxy configuration (WebSocketOptions::proxyConfiguration()), read at each open
    Q_PROPERTY(ProxyMode proxyMode READ proxyMode WRITE setProxyMode NOTIFY proxyModeChanged)
    Q_PROPERTY(QStringList proxies READ proxies WRITE setProxies NOTIFY proxiesChanged)
    Q_PROPERTY(QUrl pacUrl READ pacUrl WRITE setPacUrl NOTIFY pacUrlChanged)
    Q_PROPERTY(
        QStringList noProxyList READ noProxyList WRITE setNoProxyList NOTIFY noProxyListChanged)
    Q_PROPERTY(
        bool proxyLoopback READ proxyLoopback WRITE setProxyLoopback NOTIFY proxyLoopbackChanged)
    // qtws: the strategies (WebSocketOptions::strategies()) and how the connection was made
    Q_PROPERTY(QStringList strategies READ strategies WRITE setStrategies NOTIFY strategiesChanged)
    Q_PROPERTY(int racingDelay READ racingDelay WRITE setRacingDelay NOTIFY racingDelayChanged)
    Q_PROPERTY(QString strategy READ strategy NOTIFY connectReportChanged)
    Q_PROPERTY(QString proxyUsed READ proxyUsed NOTIFY connectReportChanged)
    Q_PROPERTY(QJsonObject connectReport READ connectReport NOTIFY connectReportChanged)
    Q_PROPERTY(QString connectReportText READ connectReportText NOTIFY connectReportChanged)

public:
    /*! As Qt's QML WebSocket.status. */
    enum Status { Connecting = 0, Open = 1, Closing = 2, Closed = 3, Error = 4 };
    Q_ENUM(Status)

    /*! ProxyConfiguration::Mode for QML. */
    enum ProxyMode { System, NoProxy, Manual, Pac, AutoDetect };
    Q_ENUM(ProxyMode)

    explicit QmlWebSocket(QObject *parent = nullptr);
    ~QmlWebSocket() override;

    QUrl url() const { return m_url; }
    void setUrl(const QUrl &url);
    Status status() const { return m_status; }
    QString errorString() const { return m_errorString; }
    bool isActive() const { return m_active; }
    void setActive(bool active);
    QStringList requestedSubprotocols() const { return m_requestedSubprotocols; }
    void setRequestedSubprotocols(const QStringList &protocols);
    QString negotiatedSubprotocol() const { return m_negotiatedSubprotocol; }

    ProxyMode proxyMode() const { return m_proxyMode; }
    void setProxyMode(ProxyMode mode);
    QStringList proxies() const { return m_proxies; }
    void setProxies(const QStringList &proxies);
    QUrl pacUrl() const { return m_pacUrl; }
    void setPacUrl(const QUrl &url);
    QStringList noProxyList() const { return m_noProxyList; }
    void setNoProxyList(const QStringList &entries);
    bool proxyLoopback() const { return m_proxyLoopback; }
    void setProxyLoopback(bool proxy);

    QStringList strategies() const { return m_strategies; }
    void setStrategies(const QStringList &names);
    int racingDelay() const { return m_racingDelay; }
    void setRacingDelay(int milliseconds);
    QString strategy() const;
    QString proxyUsed() const;
    QJsonObject connectReport() const;
    QString connectReportText() const;

    /*! As Qt's: the payload size queued, or -1 (not open, or the queue limit). */
    Q_INVOKABLE qint64 sendTextMessage(const QString &message);
    Q_INVOKABLE qint64 sendBinaryMessage(const QByteArray &message);

    void classBegin() override;
    void componentComplete() override;

Q_SIGNALS:
    void textMessageReceived(const QString &message);
    void binaryMessageReceived(const QByteArray &message);
    void statusChanged(QtWs::QmlWebSocket::Status status);
    void activeChanged(bool isActive);
    void errorStringChanged(const QString &errorString);
    void urlChanged();
    void requestedSubprotocolsChanged();
    void negotiatedSubprotocolChanged();
    void proxyModeChanged();
    void proxiesChanged();
    void pacUrlChanged();
    void noProxyListChanged();
    void proxyLoopbackChanged();
    void strategiesChanged();
    void racingDelayChanged();
    void connectReportChanged();
    /*! One attempt started or ended: ConnectAttempt::toJson(). */
    void connectAttemptStarted(const QJsonObject &attempt);
    void connectAttemptFinished(const QJsonObject &attempt);

private:
    void open();
    void close();
    bool buildOptions(WebSocketOptions *options, QString *error) const;
    void onStateChanged(WebSocket::State state);
    void onErrorOccurred();
    void setStatus(Status status);
    void setErrorString(const QString &errorString);
    void setNegotiatedSubprotocol(const QString &protocol);

    WebSocket *m_socket;
    QUrl m_url;
    Status m_status = Closed;
    QString m_errorString;
    bool m_active = false;
    bool m_componentCompleted = true;
    QStringList m_requestedSubprotocols;
    QString m_negotiatedSubprotocol;
    ProxyMode m_proxyMode = System;
    QStringList m_proxies;
    QUrl m_pacUrl;
    QStringList m_noProxyList;
    bool m_proxyLoopback = false;
    QStringList m_strategies;
    int m_racingDelay = 0;
};

} // namespace QtWs

#endif // QTWS_QML_QMLWEBSOCKET_H
