// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WPAD_H
#define QTWS_WPAD_H

#include <qtws/qtws_export.h>

#include <QtCore/QList>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <chrono>
#include <functional>

class QHostAddress;
class QObject;

namespace QtWs {

/*!
    \internal
    The WPAD host names to try for a machine in \a domain (the local DNS domain, e.g.
    "dept.corp.example.co.uk"), most specific first: "wpad.dept.corp.example.co.uk",
    "wpad.corp.example.co.uk", "wpad.example.co.uk".

    The walk stops at the organisation's domain so that a name outside it is never asked (a
    "wpad.co.uk" or "wpad.com" host belongs to a stranger who would then pick the proxy for us; this
    is the WPAD weakness browsers were attacked through). Without a public-suffix list the
    organisation's domain is approximated: at least two labels are kept, and three when the last
    label is a two-letter country code and the one before it a common second-level suffix (co, com,
    net, org, ac, gov, edu, ...), as in co.uk, com.au, ac.jp, gov.br. IP literals, single-label
    names and names ending in ".local" or ".localhost" give no candidate.
*/
QTWS_EXPORT QStringList wpadCandidateHosts(const QString &domain);

/*!
    \internal
    WPAD discovery by DNS: asks for each name of wpadCandidateHosts() in turn and stops at the
    first that resolves. The outcome is kept until reset() (a network change).
*/
class QTWS_EXPORT WpadDiscovery
{
public:
    using HostLookup = std::function<void(const QString &host, const QObject *context,
        std::function<void(const QList<QHostAddress> &)> callback)>;

    /*! A WPAD name that DNS has not answered for within this long counts as not resolving. */
    static constexpr std::chrono::milliseconds DnsTimeout {3000};

    WpadDiscovery();

    // Injection points. Defaults: the machine's DNS domain, QHostInfo with DnsTimeout, port 80.
    std::function<QString()> localDomain;
    HostLookup lookupHost;
    quint16 port = 80;
    /*! Fetch wpad.dat from the address the (injected) lookup gave rather than by name. For tests.
     */
    bool fetchResolvedAddress = false;

    /*! True once a walk has ended (found() says how), until reset(). */
    bool isDone() const noexcept { return m_done; }
    /*! True when a name resolved: scriptUrl() is where the script is. */
    bool found() const noexcept { return m_found; }
    /*! http://wpad.<domain>/wpad.dat, as shown in candidates and messages. */
    QUrl scriptUrl() const { return m_scriptUrl; }
    /*! The URL the script is fetched from (the address DNS gave, for tests). */
    QUrl fetchUrl() const { return m_fetchUrl; }
    /*! The names asked, for messages. */
    QStringList tried() const { return m_tried; }

    /*! Runs \a then once a walk has ended, starting one from \a context's thread if none runs. */
    void discover(const QObject *context, std::function<void()> then);
    /*! Forgets the outcome; the callers waiting for a walk in progress are answered (and so ask
        again). */
    void reset();

private:
    void tryHost(const QObject *context, const QStringList &hosts, int index, quint64 generation);
    void foundAt(const QString &host, const QHostAddress &address);
    void end();

    bool m_done = false;
    bool m_running = false;
    bool m_found = false;
    QUrl m_scriptUrl;
    QUrl m_fetchUrl;
    QStringList m_tried;
    QList<std::function<void()>> m_waiters;
    quint64 m_generation = 0;
};

} // namespace QtWs

#endif // QTWS_WPAD_H
