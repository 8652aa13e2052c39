// SPDX-License-Identifier: LGPL-3.0-or-later
#include "noproxylist.h"

#include <QtCore/QRegularExpression>

namespace QtWs {

namespace {

QString normalisedName(QString name)
{
    name = name.toLower();
    while (name.endsWith(u'.'))
        name.chop(1);
    return name;
}

// Splits "host:port" (one colon) or "[v6]:port"; returns false when the port is present but
// invalid.
bool splitPort(const QString &entry, QString *host, int *port)
{
    *port = -1;
    if (entry.startsWith(u'[')) {
        const qsizetype close = entry.indexOf(u']');
        if (close < 0)
            return false;
        *host = entry.mid(1, close - 1);
        const QString rest = entry.mid(close + 1);
        if (rest.isEmpty())
            return true;
        if (rest.startsWith(u'/')) { // [fd00::]/8
            *host += rest;
            return true;
        }
        if (!rest.startsWith(u':'))
            return false;
        bool ok = false;
        const uint value = rest.mid(1).toUInt(&ok);
        if (!ok || value == 0 || value > 65535)
            return false;
        *port = int(value);
        return true;
    }
    if (entry.count(u':') == 1) {
        const qsizetype colon = entry.indexOf(u':');
        bool ok = false;
        const uint value = entry.mid(colon + 1).toUInt(&ok);
        if (!ok || value == 0 || value > 65535)
            return false;
        *host = entry.left(colon);
        *port = int(value);
        return true;
    }
    *host = entry; // a name, an IPv4 literal, or a bare IPv6 literal (several colons, no port
                   // possible)
    return true;
}

QString stripBrackets(const QString &host)
{
    if (host.size() >= 2 && host.startsWith(u'[') && host.endsWith(u']'))
        return host.mid(1, host.size() - 2);
    return host;
}

} // namespace

NoProxyList::NoProxyList(const QStringList &entries)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    for (const QString &element : entries) {
        const QStringList parts = element.split(separators, Qt::SkipEmptyParts);
        for (const QString &raw : parts) {
            if (raw == u"*") {
                m_all = true;
                continue;
            }
            QString host;
            int port = -1;
            if (!splitPort(raw, &host, &port)) {
                m_invalid.append(raw);
                continue;
            }
            Entry entry;
            entry.text = raw;
            entry.port = port;
            const qsizetype slash = host.indexOf(u'/');
            if (slash >= 0) { // CIDR range
                const auto subnet = QHostAddress::parseSubnet(host);
                if (subnet.first.isNull() || subnet.second < 0) {
                    m_invalid.append(raw);
                    continue;
                }
                entry.address = subnet.first;
                entry.prefixLength = subnet.second;
                m_entries.append(entry);
                continue;
            }
            QHostAddress address;
            if (address.setAddress(host)) {
                entry.address = address;
                entry.prefixLength = address.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32;
                m_entries.append(entry);
                continue;
            }
            // Names: "*.example.com", ".example.com" and "example.com" are the same entry (curl
            // strips the leading dot; GNOME and KDE write the wildcard form).
            if (host.startsWith(QLatin1String("*.")))
                host.remove(0, 2);
            while (host.startsWith(u'.'))
                host.remove(0, 1);
            host = normalisedName(host);
            if (host.isEmpty() || host.contains(u'*')) {
                m_invalid.append(raw);
                continue;
            }
            entry.domain = host;
            m_entries.append(entry);
        }
    }
}

bool NoProxyList::matches(const QString &rawHost, int port, QString *matchedEntry) const
{
    if (m_all) {
        if (matchedEntry)
            *matchedEntry = QStringLiteral("*");
        return true;
    }
    if (m_entries.isEmpty())
        return false;
    const QString host = stripBrackets(rawHost);
    QHostAddress address;
    const bool isAddress = address.setAddress(host);
    const QString name = isAddress ? QString() : normalisedName(host);
    for (const Entry &entry : m_entries) {
        if (entry.port != -1 && entry.port != port)
            continue;
        bool hit = false;
        if (entry.prefixLength >= 0) {
            if (isAddress)
                hit = address.isInSubnet(entry.address, entry.prefixLength);
        } else if (!isAddress) {
            // A suffix match only on a label boundary: "example.com" matches "a.example.com", not
            // "badexample.com".
            hit = name == entry.domain
                || (name.size() > entry.domain.size() && name.endsWith(entry.domain)
                    && name.at(name.size() - entry.domain.size() - 1) == u'.');
        }
        if (hit) {
            if (matchedEntry)
                *matchedEntry = entry.text;
            return true;
        }
    }
    return false;
}

bool isLoopbackHost(const QString &rawHost)
{
    // On every resolution's path, cached ones included: no allocation for names, which are the
    // common case.
    QStringView host(rawHost);
    if (host.size() >= 2 && host.front() == u'[' && host.back() == u']')
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty())
        return false;
    if (host.front().isDigit() || host.contains(u':')) {
        QHostAddress address;
        if (address.setAddress(host.toString())) {
            if (address.isLoopback())
                return true;
            bool isV4 = false;
            const quint32 v4 = address.toIPv4Address(&isV4); // also IPv4-mapped IPv6
            return isV4 && (v4 >> 24) == 127;
        }
    }
    while (host.endsWith(u'.'))
        host.chop(1);
    return host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0
        || host.endsWith(QLatin1String(".localhost"), Qt::CaseInsensitive);
}

} // namespace QtWs
