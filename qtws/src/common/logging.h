// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_LOGGING_H
#define QTWS_LOGGING_H

#include <QtCore/QLoggingCategory>

#include <qtws/qtws_export.h>

// One category per subsystem, all quiet below warnings by default.
// Enable with QT_LOGGING_RULES="qtws.*.debug=true" (or a single subsystem).
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(
    lcQtwsClient) // qtws.client: QtWs::WebSocket state and handshake
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(
    lcQtwsProtocol) // qtws.protocol: codecs (rarely used: codecs return errors)
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(
    lcQtwsProxy) // qtws.proxy: configuration sources and resolution
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcQtwsPac) // qtws.pac: PAC fetch and evaluation, alert()
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcQtwsTransport) // qtws.transport: sockets, tunnels, polling
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcQtwsRelay) // qtws.relay: relay sessions
QTWS_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcQtwsBridge) // qtws.bridge: QWebChannel bridge

#endif // QTWS_LOGGING_H
