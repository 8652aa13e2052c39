// SPDX-License-Identifier: LGPL-3.0-or-later
#include "wpad.h"

#include "common/logging.h"

#include <QtCore/QDebug>
#include <QtCore/QTimer>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QHostInfo>

#include <memory>

namespace QtWs {

namespace {
bool isSecondLevelSuffix(const QString &label)
{
    static const char *const suffixes[] = {"co", "com", "net", "org", "ac", "gov", "edu", "ne",
        "or", "go", "gob", "mil", "nic", "ltd", "plc", "sch", "nhs", "gv", "in", "lg"};
    for (const char *suffix : suffixes) {
        if (label == QLatin1String(suffix))
            return true;
    }
    return false;
}
} // namespace

QStringList wpadCandidateHosts(const QString &rawDomain)
{
    QString domain = rawDomain.trimmed().toLower();
    while (domain.endsWith(u'.'))
        domain.chop(1);
    while (domain.startsWith(u'.'))
        domain.remove(0, 1);
    if (domain.isEmpty() || !QHostAddress(domain).isNull())
        return {};
    QStringList labels = domain.split(u'.');
    for (const QString &label : std::as_const(labels)) {
        if (label.isEmpty())
            return {};
    }
    if (labels.last() == u"local" || labels.last() == u"localhost")
        return {};
    // "wpad.corp.example" -> the domain already starts with wpad: do not ask for wpad.wpad.
    if (labels.first() == u"wpad")
        labels.removeFirst();

    qsizetype keep = 2;
    if (labels.size() >= 2 && labels.last().size() == 2
        && isSecondLevelSuffix(labels.at(labels.size() - 2)))
        keep = 3;
    QStringList hosts;
    for (qsizetype start = 0; labels.size() - start >= keep; ++start)
        hosts.append(QLatin1String("wpad.") + labels.mid(start).join(u'.'));
    return hosts;
}

namespace {

QString defaultLocalDomain()
{
    QString domain = QHostInfo::localDomainName();
    if (domain.isEmpty()) {
        const QString host = QHostInfo::localHostName();
        const qsizetype dot = host.indexOf(u'.');
        if (dot > 0)
            domain = host.mid(dot + 1);
    }
    return domain;
}

void lookupWithTimeout(const QString &host, const QObject *context,
    std::function<void(const QList<QHostAddress> &)> callback)
{
    // QHostInfo has no timeout; a DNS server that never answers must not stall WPAD discovery.
    auto done = std::make_shared<bool>(false);
    auto shared
        = std::make_shared<std::function<void(const QList<QHostAddress> &)>>(std::move(callback));
    QObject *receiver = const_cast<QObject *>(context);
    QHostInfo::lookupHost(host, receiver, [done, shared](const QHostInfo &info) {
        if (!std::exchange(*done, true))
            (*shared)(info.addresses());
    });
    QTimer::singleShot(WpadDiscovery::DnsTimeout, receiver, [done, shared, host]() {
        if (std::exchange(*done, true))
            return;
        qCDebug(lcQtwsProxy, "WPAD: no DNS answer for %ls within %lld ms", qUtf16Printable(host),
            qint64(WpadDiscovery::DnsTimeout.count()));
        (*shared)({});
    });
}

} // namespace

WpadDiscovery::WpadDiscovery()
    : localDomain(&defaultLocalDomain)
    , lookupHost(&lookupWithTimeout)
{ }

void WpadDiscovery::discover(const QObject *context, std::function<void()> then)
{
    m_waiters.append(std::move(then));
    if (m_running)
        return;
    m_running = true;
    m_tried.clear();
    const QStringList hosts = wpadCandidateHosts(localDomain());
    qCDebug(lcQtwsProxy) << "WPAD candidates" << hosts;
    tryHost(context, hosts, 0, m_generation);
}

void WpadDiscovery::tryHost(
    const QObject *context, const QStringList &hosts, int index, quint64 generation)
{
    if (generation != m_generation)
        return;
    if (index >= hosts.size()) {
        m_found = false;
        if (hosts.isEmpty())
            m_tried.append(QStringLiteral("no local domain"));
        end();
        return;
    }
    const QString host = hosts.at(index);
    m_tried.append(host);
    lookupHost(host, context,
        [this, context, hosts, index, generation, host](const QList<QHostAddress> &addresses) {
            if (generation != m_generation)
                return;
            if (addresses.isEmpty())
                tryHost(context, hosts, index + 1, generation);
            else
                foundAt(host, addresses.first());
        });
}

void WpadDiscovery::foundAt(const QString &host, const QHostAddress &address)
{
    m_found = true;
    m_scriptUrl = QUrl(QLatin1String("http://") + host + QLatin1String("/wpad.dat"));
    // The name is fetched (QNetworkAccessManager resolves it again, from the same resolver cache);
    // tests that inject DNS fetch from the address they injected instead.
    m_fetchUrl = m_scriptUrl;
    if (fetchResolvedAddress)
        m_fetchUrl.setHost(address.toString());
    if (port != 80)
        m_fetchUrl.setPort(port);
    qCDebug(lcQtwsProxy, "WPAD: %ls is %ls", qUtf16Printable(host),
        qUtf16Printable(address.toString()));
    end();
}

void WpadDiscovery::end()
{
    m_done = true;
    m_running = false;
    const auto waiters = std::exchange(m_waiters, {});
    for (const auto &waiter : waiters)
        waiter();
}

void WpadDiscovery::reset()
{
    const auto waiters = std::exchange(m_waiters, {});
    ++m_generation;
    m_done = m_running = m_found = false;
    for (const auto &waiter : waiters)
        waiter();
}

} // namespace QtWs
