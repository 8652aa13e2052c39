// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_GLOBAL_H
#define QTWS_GLOBAL_H

#include <qtws/qtws_export.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <optional>

/*!
    \namespace QtWs
    \brief The qtws library: a Qt 6 WebSocket stack that honours the user's proxy configuration.
    \since 0.1
*/
namespace QtWs {
Q_NAMESPACE_EXPORT(QTWS_EXPORT)

/*! The library version as "major.minor.patch". */
QTWS_EXPORT const char *version() noexcept;

/*!
    \brief One way of getting a WebSocket connection through a hop of the proxy list.

    Which strategies apply depends on the candidate: Direct for a DIRECT entry, SocksTunnel for a
    SOCKS proxy, the HTTP strategies for an HTTP or HTTPS proxy; Polling applies to every kind of
    hop. WebSocketOptions::strategies() chooses which of them run, and in which order.
    \since 0.2
    \sa WebSocketOptions::setStrategies(), ConnectReport
*/
enum class Strategy {
    /*! A TCP connection to the server itself (TLS for wss://), then the upgrade. Only for a DIRECT
        entry of the configuration. */
    Direct,
    /*! A SOCKS4, SOCKS4a or SOCKS5 tunnel to the server, then TLS for wss:// and the upgrade. */
    SocksTunnel,
    /*! "CONNECT host:port" through an HTTP or HTTPS proxy, then TLS for wss:// and the upgrade
        inside the tunnel (RFC 7231 §4.3.6). What browsers and QWebSocket do. */
    ConnectTunnel,
    /*! The upgrade request itself sent to the HTTP proxy in absolute form ("GET ws://host/path"),
        with Upgrade and Connection for the proxy to forward (RFC 7230 §5.3.2). ws:// only. */
    ForwardedUpgrade,
    /*! Like ForwardedUpgrade, without "Connection: Upgrade" (which proxies read as addressed to
        themselves), marked for qtws-relay; only servers that expect it accept it. ws:// only. */
    BareUpgrade,
    /*! "OPTIONS" with Upgrade through the HTTP proxy (RFC 2817 §3). ws:// only. */
    OptionsUpgrade,
    /*! Engine.IO v4 long-polling over plain HTTP requests to a relay: the last resort. */
    Polling,
};
Q_ENUM_NS(Strategy)

/*! The short name of \a strategy as the tools write it: direct, socks, connect, get, bare, options,
    polling. */
QTWS_EXPORT QString strategyName(Strategy strategy);
/*! The strategy named \a name (see strategyName()), or nothing. */
QTWS_EXPORT std::optional<Strategy> strategyFromName(QStringView name);
/*! Every strategy, in the default order. */
QTWS_EXPORT QList<Strategy> allStrategies();

} // namespace QtWs

#endif // QTWS_GLOBAL_H
