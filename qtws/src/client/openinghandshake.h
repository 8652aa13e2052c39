// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CLIENT_OPENINGHANDSHAKE_H
#define QTWS_CLIENT_OPENINGHANDSHAKE_H

#include "protocol/handshake.h"

#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include <optional>

namespace QtWs {

/*!
    \internal
    The client's opening handshake as the URL, the request headers and the options describe it
    (RFC 6455 §4.1), checked once per WebSocket::open(): every attempt of the connection planner
    then takes a copy, with a fresh key and the request form of its strategy.
*/
namespace OpeningHandshake {

/*!
    The handshake for \a url with \a options and \a requestHeaders (the extra headers of a
    QNetworkRequest), or nothing with \a error (Error::InvalidUrl or Error::InvalidOptions) and
    \a message saying what is wrong.
*/
QTWS_EXPORT std::optional<Protocol::HandshakeRequest> build(const QUrl &url,
    const WebSocketOptions &options, const QList<WebSocket::Header> &requestHeaders,
    WebSocket::Error *error, QString *message);

/*!
    Header names an application may not set: the handshake owns them (RFC 6455 §4.1), and the
    proxy headers belong to the hop they are meant for (a Proxy-Authorization set on the handshake
    would travel through a tunnel to the server).
*/
QTWS_EXPORT bool isReservedHeader(QByteArrayView name);

} // namespace OpeningHandshake

} // namespace QtWs

#endif // QTWS_CLIENT_OPENINGHANDSHAKE_H
