// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_URL_H
#define QTWS_PROTOCOL_URL_H

#include <QtCore/QStringView>
#include <QtCore/QUrl>

#include <qtws/qtws_export.h>

namespace QtWs::Protocol {

/*!
    The rules a URL's scheme implies, written once: every layer (handshake, client, proxy
    resolution, relay) asks here instead of comparing scheme strings itself.
*/

/*! True for \c ws and \c wss (RFC 6455 §3), compared case-insensitively. */
QTWS_EXPORT bool isWebSocketScheme(QStringView scheme) noexcept;
/*! True for the schemes that run over TLS: \c wss and \c https (case-insensitive). */
QTWS_EXPORT bool isSecureScheme(QStringView scheme) noexcept;
/*!
    The default port of \a scheme: 80 for \c ws and \c http, 443 for \c wss and \c https
    (RFC 6455 §3, RFC 7230 §2.7), -1 for any other scheme.
*/
QTWS_EXPORT int defaultPort(QStringView scheme) noexcept;
/*! The port \a url connects to: its explicit port, else its scheme's default (-1 if none). */
QTWS_EXPORT int effectivePort(const QUrl &url) noexcept;

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_URL_H
