// SPDX-License-Identifier: LGPL-3.0-or-later
#include "qmlwebsocket.h"

#include "proxy/proxyurl.h"

#include <qtws/connectreport.h>
#include <qtws/proxyconfiguration.h>

#include <chrono>

namespace QtWs {

QmlWebSocket::QmlWebSocket(QObject *parent)
    : QObject(parent)
    , m_socket(new WebSocket(this))
{
    connect(m_socket, &WebSocket::textMessageReceived, this, &QmlWebSocket::textMessageReceived);
    connect(
        m_socket, &WebSocket::binaryMessageReceived, this, &QmlWebSocket::binaryMessageReceived);
    connect(m_socket, &WebSocket::stateChanged, this, &QmlWebSocket::onStateChanged);
    connect(m_socket, &WebSocket::errorOccurred, this, &QmlWebSocket::onErrorOccurred);
    // Qt's type says Closed once the connection is gone; an error stays visible until the next open.
    connect(m_socket, &WebSocket::disconnected, this, [this] {
        if (m_status != Error)
            setStatus(Closed);
        Q_EMIT connectReportChanged();
    });
    connect(
        m_socket, &WebSocket::connectAttemptStarted, this, [this](const ConnectAttempt &attempt) {
            Q_EMIT connectReportChanged();
            Q_EMIT connectAttemptStarted(attempt.toJson());
        });
    connect(
        m_socket, &WebSocket::connectAttemptFinished, this, [this](const ConnectAttempt &attempt) {
            Q_EMIT connectReportChanged();
            Q_EMIT connectAttemptFinished(attempt.toJson());
        });
}

QmlWebSocket::~QmlWebSocket() = default;

void QmlWebSocket::setUrl(const QUrl &url)
{
    if (m_url == url)
        return;
    m_url = url;
    Q_EMIT urlChanged();
    // Qt's type also opens here when inactive; this one opens only while active, as the
    // property's documentation says.
    open();
}

void QmlWebSocket::setActive(bool active)
{
    if (m_active == active)
        return;
    m_active = active;
    Q_EMIT activeChanged(m_active);
    if (m_active)
        open();
    else
        close();
}

void QmlWebSocket::setRequestedSubprotocols(const QStringList &protocols)
{
    if (m_requestedSubprotocols == protocols)
        return;
    m_requestedSubprotocols = protocols;
    Q_EMIT requestedSubprotocolsChanged();
}

void QmlWebSocket::setProxyMode(ProxyMode mode)
{
    if (m_proxyMode == mode)
        return;
    m_proxyMode = mode;
    Q_EMIT proxyModeChanged();
}

void QmlWebSocket::setProxies(const QStringList &proxies)
{
    if (m_proxies == proxies)
        return;
    m_proxies = proxies;
    Q_EMIT proxiesChanged();
}

void QmlWebSocket::setPacUrl(const QUrl &url)
{
    if (m_pacUrl == url)
        return;
    m_pacUrl = url;
    Q_EMIT pacUrlChanged();
}

void QmlWebSocket::setNoProxyList(const QStringList &entries)
{
    if (m_noProxyList == entries)
        return;
    m_noProxyList = entries;
    Q_EMIT noProxyListChanged();
}

void QmlWebSocket::setProxyLoopback(bool proxy)
{
    if (m_proxyLoopback == proxy)
        return;
    m_proxyLoopback = proxy;
    Q_EMIT proxyLoopbackChanged();
}

void QmlWebSocket::setStrategies(const QStringList &names)
{
    if (m_strategies == names)
        return;
    m_strategies = names;
    Q_EMIT strategiesChanged();
}

void QmlWebSocket::setRacingDelay(int milliseconds)
{
    if (m_racingDelay == milliseconds)
        return;
    m_racingDelay = milliseconds;
    Q_EMIT racingDelayChanged();
}

QString QmlWebSocket::strategy() const
{
    const ConnectReport report = m_socket->connectReport();
    return report.isConnected() ? strategyName(report.strategy()) : QString();
}

QString QmlWebSocket::proxyUsed() const
{
    const ConnectReport report = m_socket->connectReport();
    return report.isConnected() ? report.proxyUsed().toPacString() : QString();
}

QJsonObject QmlWebSocket::connectReport() const
{
    return m_socket->connectReport().toJson();
}

QString QmlWebSocket::connectReportText() const
{
    return m_socket->connectReport().toText();
}

qint64 QmlWebSocket::sendTextMessage(const QString &message)
{
    // As Qt's type: a send while not open is an error of the QML object, and sends nothing.
    if (m_status != Open) {
        setErrorString(tr("Messages can only be sent when the socket is open."));
        setStatus(Error);
        return 0;
    }
    return m_socket->sendTextMessage(message);
}

qint64 QmlWebSocket::sendBinaryMessage(const QByteArray &message)
{
    if (m_status != Open) {
        setErrorString(tr("Messages can only be sent when the socket is open."));
        setStatus(Error);
        return 0;
    }
    return m_socket->sendBinaryMessage(message);
}

void QmlWebSocket::classBegin()
{
    m_componentCompleted = false;
}

void QmlWebSocket::componentComplete()
{
    m_componentCompleted = true;
    open();
}

void QmlWebSocket::open()
{
    if (!m_componentCompleted || !m_active || !m_url.isValid())
        return;
    WebSocketOptions options = m_socket->options();
    QString error;
    if (!buildOptions(&options, &error)) {
        // Nothing was opened: the property values are the error, reported like a failed open.
        m_socket->abort();
        setErrorString(error);
        setStatus(Error);
        return;
    }
    setNegotiatedSubprotocol(QString());
    m_socket->open(QNetworkRequest(m_url), options);
    Q_EMIT connectReportChanged();
}

void QmlWebSocket::close()
{
    if (m_componentCompleted)
        m_socket->close();
}

bool QmlWebSocket::buildOptions(WebSocketOptions *options, QString *error) const
{
    options->setSubprotocols(m_requestedSubprotocols);
    ProxyConfiguration configuration;
    switch (m_proxyMode) {
    case System:
        break;
    case NoProxy:
        configuration = ProxyConfiguration::noProxy();
        break;
    case Manual: {
        QList<ProxyCandidate> candidates;
        for (const QString &value : m_proxies) {
            const std::optional<ProxyCandidate> candidate = parseProxyUrl(value,
                ProxyCandidate::Source::Explicit, QStringLiteral("WebSocket.proxies"), error);
            if (!candidate)
                return false;
            candidates.append(*candidate);
        }
        if (candidates.isEmpty()) {
            *error = tr("proxyMode is WebSocket.Manual but proxies is empty");
            return false;
        }
        configuration = ProxyConfiguration::manual(candidates);
        break;
    }
    case Pac:
        if (!m_pacUrl.isValid() || m_pacUrl.isEmpty()) {
            *error = tr("proxyMode is WebSocket.Pac but pacUrl is not a valid URL");
            return false;
        }
        configuration = ProxyConfiguration::pac(m_pacUrl);
        break;
    case AutoDetect:
        configuration = ProxyConfiguration::autoDetect();
        break;
    }
    configuration.setNoProxyList(m_noProxyList);
    configuration.setProxyLoopback(m_proxyLoopback);
    options->setProxyConfiguration(configuration);

    QList<Strategy> strategies;
    for (const QString &name : m_strategies) {
        const std::optional<Strategy> strategy = strategyFromName(name);
        if (!strategy) {
            QStringList known;
            for (Strategy s : allStrategies())
                known.append(strategyName(s));
            *error = tr("unknown strategy \"%1\" in strategies (known: %2)")
                         .arg(name, known.join(QStringLiteral(", ")));
            return false;
        }
        strategies.append(*strategy);
    }
    options->setStrategies(
        strategies.isEmpty() ? WebSocketOptions::defaultStrategies() : strategies);
    if (m_racingDelay < 0) {
        *error = tr("racingDelay must not be negative");
        return false;
    }
    options->setRacingDelay(std::chrono::milliseconds(m_racingDelay));
    return true;
}

void QmlWebSocket::onStateChanged(WebSocket::State state)
{
    switch (state) {
    case WebSocket::State::Connecting:
        setStatus(Connecting);
        break;
    case WebSocket::State::Open:
        setNegotiatedSubprotocol(m_socket->subprotocol());
        setStatus(Open);
        break;
    case WebSocket::State::Closing:
        setStatus(Closing);
        break;
    case WebSocket::State::Unconnected:
        break; // disconnected() follows, after errorOccurred() when there was an error
    }
}

void QmlWebSocket::onErrorOccurred()
{
    setErrorString(m_socket->errorString());
    setStatus(Error);
}

void QmlWebSocket::setStatus(Status status)
{
    if (m_status == status)
        return;
    m_status = status;
    if (status != Error)
        setErrorString(QString());
    Q_EMIT statusChanged(m_status);
}

void QmlWebSocket::setErrorString(const QString &errorString)
{
    if (m_errorString == errorString)
        return;
    m_errorString = errorString;
    Q_EMIT errorStringChanged(m_errorString);
}

void QmlWebSocket::setNegotiatedSubprotocol(const QString &protocol)
{
    if (m_negotiatedSubprotocol == protocol)
        return;
    m_negotiatedSubprotocol = protocol;
    Q_EMIT negotiatedSubprotocolChanged();
}

} // namespace QtWs
