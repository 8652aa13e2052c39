// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYURL_H
#define QTWS_PROXYURL_H

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <optional>

namespace QtWs {

/*!
    \internal
    Parses a proxy URL as found in \c http_proxy and friends: \c http:// (port 80), \c https://
    (443), \c socks4:// and \c socks4a:// (SOCKS4, 1080), \c socks5:// and \c socks5h:// (SOCKS5,
    1080), \c socks:// (SOCKS5, as KDE writes it). Without a scheme the proxy is HTTP on port 1080
    (curl's default port). User and password are kept on the candidate. On failure returns nullopt
    and sets \a error to a message that quotes the value without its credentials.
*/
QTWS_EXPORT std::optional<ProxyCandidate> parseProxyUrl(const QString &value,
    ProxyCandidate::Source source, const QString &origin, QString *error = nullptr);

/*! \a value with any user:password@ part replaced by "***@", for messages and logs. */
QTWS_EXPORT QString redactProxyUrl(const QString &value);

} // namespace QtWs

#endif // QTWS_PROXYURL_H
