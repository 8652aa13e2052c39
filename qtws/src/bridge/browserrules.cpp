// SPDX-License-Identifier: LGPL-3.0-or-later
#include "browserrules.h"

#include "protocol/url.h"

#include <QtNetwork/QHostAddress>

#include <algorithm>

namespace QtWs::BrowserRules {

const QList<int> &restrictedPorts()
{
    // Chromium 102, net/base/port_util.cc: services that speak other protocols and must never be
    // sent a browser's request (SMTP, IRC, X11...). Sorted for binary search.
    static const QList<int> ports = {1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43,
        53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135,
        137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548,
        554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 5060,
        5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080};
    return ports;
}

bool isPortAllowed(int port)
{
    const QList<int> &ports = restrictedPorts();
    return !std::binary_search(ports.cbegin(), ports.cend(), port);
}

QString serializedOrigin(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty()
        || (scheme != u"http" && scheme != u"https" && !Protocol::isWebSocketScheme(scheme)))
        return QStringLiteral("null");
    QString host = url.host(QUrl::FullyEncoded).toLower();
    if (host.contains(u':'))
        host = u'[' + host + u']';
    const int port = url.port();
    if (port >= 0 && port != Protocol::defaultPort(scheme))
        return scheme + u"://" + host + u':' + QString::number(port);
    return scheme + u"://" + host;
}

bool isLoopbackHost(const QString &host)
{
    const QString h = host.toLower();
    if (h == u"localhost" || h.endsWith(u".localhost"))
        return true;
    QHostAddress address;
    return address.setAddress(h) && address.isLoopback();
}

bool isMixedContent(const QUrl &pageOrigin, const QUrl &target)
{
    const QString page = pageOrigin.scheme().toLower();
    return Protocol::isSecureScheme(page) && target.scheme().toLower() == u"ws"
        && !isLoopbackHost(target.host());
}

QUrl cookieUrl(const QUrl &target)
{
    QUrl url = target;
    url.setScheme(Protocol::isSecureScheme(target.scheme()) ? QStringLiteral("https")
                                                            : QStringLiteral("http"));
    url.setFragment(QString());
    return url;
}

bool cookieDomainMatches(const QString &host, const QString &cookieDomain)
{
    const QString h = host.toLower();
    QString d = cookieDomain.toLower();
    if (!d.startsWith(u'.'))
        return h == d;
    d = d.mid(1);
    if (h == d)
        return true;
    QHostAddress address;
    return !address.setAddress(h) && h.endsWith(u'.' + d);
}

bool cookiePathMatches(const QString &requestPath, const QString &cookiePath)
{
    const QString path = requestPath.isEmpty() ? QStringLiteral("/") : requestPath;
    const QString cp = cookiePath.isEmpty() ? QStringLiteral("/") : cookiePath;
    if (path == cp)
        return true;
    return path.startsWith(cp) && (cp.endsWith(u'/') || path.at(cp.size()) == u'/');
}

} // namespace QtWs::BrowserRules
