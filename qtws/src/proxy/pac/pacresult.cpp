// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacresult.h"

#include <QtNetwork/QHostAddress>

#include <algorithm>

namespace QtWs {

QString pacErrorName(PacError error)
{
    switch (error) {
    case PacError::None:
        return QStringLiteral("no error");
    case PacError::NoScript:
        return QStringLiteral("no PAC script set");
    case PacError::ScriptTooLarge:
        return QStringLiteral("PAC script too large");
    case PacError::SyntaxError:
        return QStringLiteral("PAC script syntax error");
    case PacError::NoFindProxyFunction:
        return QStringLiteral("PAC script defines no FindProxyForURL function");
    case PacError::Exception:
        return QStringLiteral("PAC script threw an exception");
    case PacError::Timeout:
        return QStringLiteral("PAC evaluation timed out");
    case PacError::NonStringResult:
        return QStringLiteral("FindProxyForURL returned a non-string");
    case PacError::EmptyResult:
        return QStringLiteral("FindProxyForURL returned an empty string");
    case PacError::UnparsableResult:
        return QStringLiteral("FindProxyForURL returned no usable entry");
    case PacError::EngineUnavailable:
        return QStringLiteral("PAC engine unavailable");
    }
    return QString();
}

namespace {

bool isHostNameChar(QChar c)
{
    // Letters, digits, '-', '.', and '_' (seen in real internal names); nothing that could smuggle
    // syntax.
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
        || c == u'-' || c == u'.' || c == u'_';
}

// Parses "host", "host:port", "[v6]" or "[v6]:port". Returns false with a reason on anything else.
bool parseHostPort(
    QStringView text, quint16 defaultPort, QString *host, quint16 *port, QString *reason)
{
    QStringView hostPart;
    QStringView portPart;
    bool hasPort = false;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        if (close < 0) {
            *reason = QStringLiteral("unterminated IPv6 literal");
            return false;
        }
        hostPart = text.mid(1, close - 1);
        const QStringView rest = text.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(u':')) {
                *reason = QStringLiteral("junk after IPv6 literal");
                return false;
            }
            portPart = rest.mid(1);
            hasPort = true;
        }
        QHostAddress address;
        if (!address.setAddress(hostPart.toString())
            || address.protocol() != QAbstractSocket::IPv6Protocol) {
            *reason = QStringLiteral("invalid IPv6 literal");
            return false;
        }
        *host = address.toString();
    } else {
        const qsizetype colon = text.indexOf(u':');
        if (colon >= 0) {
            if (text.indexOf(u':', colon + 1) >= 0) {
                *reason = QStringLiteral("IPv6 literal without brackets");
                return false;
            }
            hostPart = text.left(colon);
            portPart = text.mid(colon + 1);
            hasPort = true;
        } else {
            hostPart = text;
        }
        if (hostPart.isEmpty()) {
            *reason = QStringLiteral("empty host");
            return false;
        }
        for (QChar c : hostPart) {
            if (!isHostNameChar(c)) {
                *reason = QStringLiteral("invalid character in host");
                return false;
            }
        }
        *host = hostPart.toString().toLower();
    }
    if (!hasPort) {
        *port = defaultPort;
        return true;
    }
    bool ok = false;
    const uint value = portPart.toUInt(&ok, 10);
    if (!ok || value == 0 || value > 65535 || portPart.startsWith(u'+')) {
        *reason = QStringLiteral("invalid port");
        return false;
    }
    *port = quint16(value);
    return true;
}

bool isPacSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\r' || c == u'\n' || c == u'\f' || c == u'\v';
}

QStringView trimmed(QStringView s)
{
    while (!s.isEmpty() && isPacSpace(s.front()))
        s = s.mid(1);
    while (!s.isEmpty() && isPacSpace(s.back()))
        s.chop(1);
    return s;
}

} // namespace

QList<ProxyCandidate> parsePacResult(
    QStringView result, ProxyCandidate::Source source, const QString &origin, QStringList *warnings)
{
    QList<ProxyCandidate> candidates;
    auto warn = [warnings](QStringView entry, const QString &reason) {
        if (warnings)
            warnings->append(QStringLiteral("skipped PAC entry \"%1\": %2").arg(entry, reason));
    };
    // The separator is ';' (Netscape PAC specification); entries are "KEYWORD host:port" or
    // "DIRECT".
    for (QStringView rawEntry : result.split(u';')) {
        const QStringView entry = trimmed(rawEntry);
        if (entry.isEmpty())
            continue; // "PROXY a:1;" and ";;" are common and harmless
        qsizetype split = 0;
        while (split < entry.size() && !isPacSpace(entry.at(split)))
            ++split;
        const QStringView keyword = entry.left(split);
        const QStringView argument = trimmed(entry.mid(split));

        if (keyword.compare(u"DIRECT", Qt::CaseInsensitive) == 0) {
            if (!argument.isEmpty()) {
                warn(entry, QStringLiteral("DIRECT takes no argument"));
                continue;
            }
            candidates.append(ProxyCandidate::direct(source, origin));
            continue;
        }

        ProxyCandidate::Type type;
        quint16 defaultPort;
        if (keyword.compare(u"PROXY", Qt::CaseInsensitive) == 0
            || keyword.compare(u"HTTP", Qt::CaseInsensitive) == 0) {
            type = ProxyCandidate::Type::Http;
            defaultPort = kPacDefaultHttpPort;
        } else if (keyword.compare(u"HTTPS", Qt::CaseInsensitive) == 0) {
            type = ProxyCandidate::Type::Https;
            defaultPort = kPacDefaultHttpsPort;
        } else if (keyword.compare(u"SOCKS", Qt::CaseInsensitive) == 0
            || keyword.compare(u"SOCKS4", Qt::CaseInsensitive) == 0) {
            type = ProxyCandidate::Type::Socks4;
            defaultPort = kPacDefaultSocksPort;
        } else if (keyword.compare(u"SOCKS5", Qt::CaseInsensitive) == 0) {
            type = ProxyCandidate::Type::Socks5;
            defaultPort = kPacDefaultSocksPort;
        } else {
            warn(entry, QStringLiteral("unknown proxy type"));
            continue;
        }
        if (argument.isEmpty()) {
            warn(entry, QStringLiteral("missing host"));
            continue;
        }
        if (std::any_of(argument.begin(), argument.end(), isPacSpace)) {
            warn(entry, QStringLiteral("more than one host (entries are separated by ';')"));
            continue;
        }
        QString host;
        quint16 port = 0;
        QString reason;
        if (!parseHostPort(argument, defaultPort, &host, &port, &reason)) {
            warn(entry, reason);
            continue;
        }
        candidates.append(ProxyCandidate(type, host, port, source, origin));
    }
    return candidates;
}

} // namespace QtWs
