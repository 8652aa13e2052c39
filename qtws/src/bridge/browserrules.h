// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BRIDGE_BROWSERRULES_H
#define QTWS_BRIDGE_BROWSERRULES_H

#include <qtws/qtwswebbridge_export.h>

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QUrl>

// The browser rules a page's WebSocket is held to, as Chromium 102 (Qt WebEngine 6.4) applies them.
// Pure functions: the page script applies the same rules synchronously (to throw where Chromium throws)
// and the bridge checks them again in C++, because nothing a page sends is trusted.
namespace QtWs::BrowserRules {

/*! Ports Chromium refuses to connect to (net/base/port_util.cc, kRestrictedPorts). */
QTWS_WEBBRIDGE_EXPORT const QList<int> &restrictedPorts();
/*! False for a port in restrictedPorts(); the default port of a scheme is always allowed. */
QTWS_WEBBRIDGE_EXPORT bool isPortAllowed(int port);
/*! The serialized origin of \a url ("https://host:port", default ports left out), or "null". */
QTWS_WEBBRIDGE_EXPORT QString serializedOrigin(const QUrl &url);
/*! A host whose traffic never leaves the machine: localhost, *.localhost, 127.0.0.0/8, ::1. */
QTWS_WEBBRIDGE_EXPORT bool isLoopbackHost(const QString &host);
/*!
    True when a page of origin \a pageOrigin may not open \a target: a ws:// URL from a secure
    (https or wss) page, unless the target is loopback, which Chromium deems potentially
    trustworthy.
*/
QTWS_WEBBRIDGE_EXPORT bool isMixedContent(const QUrl &pageOrigin, const QUrl &target);
/*! The http(s) URL a ws(s) URL's cookies are read and stored under. */
QTWS_WEBBRIDGE_EXPORT QUrl cookieUrl(const QUrl &target);

/*! RFC 6265 §5.1.3: \a host domain-matches \a cookieDomain; a leading dot marks a domain
    cookie (the host or its subdomains, never for IP literals), none a host-only cookie. */
QTWS_WEBBRIDGE_EXPORT bool cookieDomainMatches(const QString &host, const QString &cookieDomain);
/*! RFC 6265 §5.1.4: \a requestPath path-matches \a cookiePath. */
QTWS_WEBBRIDGE_EXPORT bool cookiePathMatches(const QString &requestPath, const QString &cookiePath);

} // namespace QtWs::BrowserRules

#endif // QTWS_BRIDGE_BROWSERRULES_H
