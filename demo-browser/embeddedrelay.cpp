// SPDX-License-Identifier: LGPL-3.0-or-later
#include "embeddedrelay.h"

EmbeddedRelay::EmbeddedRelay(QObject *parent)
    : QObject(parent)
{ }

bool EmbeddedRelay::start(const QString &pageOrigin)
{
    if (!m_backend.listen()) {
        m_error = tr("the chat backend cannot listen: %1").arg(m_backend.errorString());
        return false;
    }
    QtWs::RelayServerOptions options;
    options.setBackendUrl(QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(m_backend.serverPort())));
    options.setAllowedOrigins({pageOrigin});
    options.setInstanceName(QStringLiteral("qtws-demo-browser"));
    m_relay.setOptions(options);
    if (!m_relay.listen(QHostAddress::LocalHost, 0)) {
        m_error = tr("the relay cannot listen: %1").arg(m_relay.errorString());
        return false;
    }
    return true;
}

QUrl EmbeddedRelay::url() const
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_relay.serverPort()));
}
