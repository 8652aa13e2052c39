// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyurl.h"

#include "protocol/url.h"

#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>

namespace QtWs {

QString redactProxyUrl(const QString &value)
{
    const qsizetype schemeEnd = value.indexOf(QLatin1String("://"));
    const qsizetype authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
    qsizetype authorityEnd = value.indexOf(u'/', authorityStart);
    if (authorityEnd < 0)
        authorityEnd = value.size();
    const qsizetype at = value.lastIndexOf(u'@', authorityEnd - 1);
    if (at < authorityStart)
        return value;
    return value.left(authorityStart) + QLatin1String("***") + value.mid(at);
}

std::optional<ProxyCandidate> parseProxyUrl(
    const QString &rawValue, ProxyCandidate::Source source, const QString &origin, QString *error)
{
    const auto fail = [&](const QString &why) -> std::optional<ProxyCandidate> {
        if (error)
            *error = QStringLiteral("%1: invalid proxy '%2': %3")
                         .arg(origin, redactProxyUrl(rawValue), why);
        return std::nullopt;
    };
    const QString value = rawValue.trimmed();
    if (value.isEmpty())
        return fail(QStringLiteral("empty value"));

    const bool hasScheme = value.contains(QLatin1String("://"));
    const QUrl url(hasScheme ? value : QLatin1String("http://") + value, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return fail(QStringLiteral("not a URL with a host"));

    const QString scheme = url.scheme().toLower();
    ProxyCandidate::Type type;
    int defaultPort = 1080; // SOCKS, and a proxy given without a scheme (curl's rule)
    if (scheme == u"http") {
        type = ProxyCandidate::Type::Http;
        if (hasScheme)
            defaultPort = Protocol::defaultPort(scheme);
    } else if (scheme == u"https") {
        type = ProxyCandidate::Type::Https;
        defaultPort = Protocol::defaultPort(scheme);
    } else if (scheme == u"socks4" || scheme == u"socks4a") {
        type = ProxyCandidate::Type::Socks4;
    } else if (scheme == u"socks5" || scheme == u"socks5h" || scheme == u"socks") {
        type = ProxyCandidate::Type::Socks5;
    } else {
        return fail(QStringLiteral("unsupported proxy scheme '%1'").arg(scheme));
    }
    const int port = url.port(defaultPort);
    if (port <= 0 || port > 65535)
        return fail(QStringLiteral("invalid port"));

    ProxyCandidate candidate(type, url.host(), quint16(port), source, origin);
    const QString user = url.userName(QUrl::FullyDecoded);
    const QString password = url.password(QUrl::FullyDecoded);
    if (!user.isEmpty() || !password.isEmpty())
        candidate.setCredentials(user, password);
    return candidate;
}

} // namespace QtWs
