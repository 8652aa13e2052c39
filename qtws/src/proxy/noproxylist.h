// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_NOPROXYLIST_H
#define QTWS_NOPROXYLIST_H

#include <qtws/qtws_export.h>

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtNetwork/QHostAddress>

namespace QtWs {

/*!
    \internal
    A parsed no-proxy list with curl's \c no_proxy semantics (plus host:port entries and GNOME/KDE's
    \c *.domain form). Pure: no DNS, no I/O. Names never match addresses and addresses never match
    names, because the target is not resolved to decide (curl does the same).
*/
class QTWS_EXPORT NoProxyList
{
public:
    NoProxyList() = default;
    /*! Parses \a entries; each element may itself hold several entries separated by commas or white
        space. */
    explicit NoProxyList(const QStringList &entries);
    static NoProxyList fromString(const QString &list) { return NoProxyList(QStringList {list}); }

    bool isEmpty() const noexcept { return m_entries.isEmpty() && !m_all; }
    bool matchesEverything() const noexcept { return m_all; }
    /*! Entries that could not be parsed (an invalid CIDR prefix, a bad port), for warnings. */
    QStringList invalidEntries() const { return m_invalid; }

    /*!
        Whether \a host (a name or an IP literal, with or without brackets) on \a port matches; \a
        port -1 matches only port-less entries. On a match, \a matchedEntry receives the entry as
        written.
    */
    bool matches(const QString &host, int port, QString *matchedEntry = nullptr) const;

private:
    struct Entry
    {
        QString text; // as written, for reasons and logs
        QString domain; // lower case, no leading or trailing dot; empty for address entries
        QHostAddress address;
        int prefixLength = -1; // -1 for names
        int port = -1; // -1: any port
    };
    QList<Entry> m_entries;
    QStringList m_invalid;
    bool m_all = false;
};

/*! Whether \a host is a loopback target: localhost, *.localhost, 127.0.0.0/8, ::1,

    ::ffff:127.0.0.0/104. */
QTWS_EXPORT bool isLoopbackHost(const QString &host);

} // namespace QtWs

#endif // QTWS_NOPROXYLIST_H
