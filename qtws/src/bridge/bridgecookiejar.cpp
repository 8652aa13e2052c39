// SPDX-License-Identifier: LGPL-3.0-or-later
#include "bridgecookiejar.h"

#include "browserrules.h"
#include "common/logging.h"

#include <QtCore/QDateTime>
#include <QtCore/QTimer>
#include <QtNetwork/QHostAddress>
#include <QtWebEngineCore/QWebEngineCookieStore>

#include <algorithm>
#include <chrono>

namespace QtWs {

namespace {
// The sentinel of barrier() lives on a name no page can have (RFC 6761 §6.4: .invalid).
const QString SentinelHost = QStringLiteral("qtws-bridge-barrier.invalid");
// A store that never reports the sentinel (it should not happen) must not stall a connection.
constexpr std::chrono::milliseconds BarrierTimeout {2000};

bool sameCookie(const QNetworkCookie &a, const QNetworkCookie &b)
{
    return a.name() == b.name() && a.domain() == b.domain() && a.path() == b.path();
}

// The registrable part of a host, approximated by its last two labels (no public suffix list);
// an IP literal is its own site. Used for SameSite only.
QString siteOf(const QString &host)
{
    QHostAddress address;
    if (address.setAddress(host))
        return host;
    const QStringList labels = host.split(u'.');
    return labels.size() <= 2 ? host : labels.mid(labels.size() - 2).join(u'.');
}
} // namespace

BridgeCookieJar::BridgeCookieJar(QWebEngineCookieStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    connect(store, &QWebEngineCookieStore::cookieAdded, this, &BridgeCookieJar::onAdded);
    connect(store, &QWebEngineCookieStore::cookieRemoved, this, &BridgeCookieJar::onRemoved);
    store->loadAllCookies();
}

BridgeCookieJar::~BridgeCookieJar() = default;

void BridgeCookieJar::onAdded(const QNetworkCookie &cookie)
{
    if (cookie.domain() == SentinelHost || cookie.domain() == u'.' + SentinelHost) {
        releaseBarrier(cookie.name());
        return;
    }
    m_cookies.removeIf([&](const QNetworkCookie &c) { return sameCookie(c, cookie); });
    m_cookies.append(cookie);
}

void BridgeCookieJar::onRemoved(const QNetworkCookie &cookie)
{
    m_cookies.removeIf([&](const QNetworkCookie &c) { return sameCookie(c, cookie); });
}

QByteArray BridgeCookieJar::cookieHeader(const QUrl &target, const QUrl &pageOrigin) const
{
    const QUrl url = BrowserRules::cookieUrl(target);
    const bool secure = url.scheme() == u"https";
    const bool sameSite = siteOf(url.host().toLower()) == siteOf(pageOrigin.host().toLower());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<QNetworkCookie> matching;
    for (const QNetworkCookie &c : m_cookies) {
        if (!BrowserRules::cookieDomainMatches(url.host(), c.domain())
            || !BrowserRules::cookiePathMatches(url.path(), c.path()))
            continue;
        if ((c.isSecure() && !secure) || (!c.isSessionCookie() && c.expirationDate() <= now))
            continue;
        // A WebSocket handshake is a subresource request: Lax and Strict cookies only same-site.
        if (!sameSite && c.sameSitePolicy() != QNetworkCookie::SameSite::None
            && c.sameSitePolicy() != QNetworkCookie::SameSite::Default)
            continue;
        matching.append(c);
    }
    // RFC 6265 §5.4 item 2: longer paths first; otherwise the store's order.
    std::stable_sort(
        matching.begin(), matching.end(), [](const QNetworkCookie &a, const QNetworkCookie &b) {
            return a.path().size() > b.path().size();
        });
    QByteArray header;
    for (const QNetworkCookie &c : std::as_const(matching)) {
        if (!header.isEmpty())
            header += "; ";
        header += c.name() + '=' + c.value();
    }
    return header;
}

int BridgeCookieJar::store(const QList<QByteArray> &setCookieValues, const QUrl &target)
{
    if (!m_store)
        return 0;
    const QUrl url = BrowserRules::cookieUrl(target);
    int stored = 0;
    for (const QByteArray &value : setCookieValues) {
        for (QNetworkCookie cookie : QNetworkCookie::parseCookies(value)) {
            // RFC 6265 §5.3 item 6: a Domain attribute must domain-match the request host.
            if (!cookie.domain().isEmpty()
                && !BrowserRules::cookieDomainMatches(url.host(),
                    cookie.domain().startsWith(u'.') ? cookie.domain() : u'.' + cookie.domain()))
                continue;
            if (cookie.path().isEmpty()) {
                // §5.1.4 default-path: the request path up to its last '/'.
                const QString path = url.path();
                const qsizetype slash = path.lastIndexOf(u'/');
                cookie.setPath(slash <= 0 ? QStringLiteral("/") : path.left(slash));
            }
            if (cookie.isSecure() && url.scheme() != u"https")
                continue;
            m_store->setCookie(cookie, url);
            ++stored;
        }
    }
    return stored;
}

void BridgeCookieJar::barrier(QObject *context, std::function<void()> then)
{
    if (!m_store) {
        then();
        return;
    }
    const QByteArray name = "qtws-barrier-" + QByteArray::number(++m_nextSentinel);
    m_waiters.append(Waiter {name, context, std::move(then)});
    QNetworkCookie sentinel(name, "1");
    m_store->setCookie(sentinel, QUrl(QStringLiteral("http://") + SentinelHost + u'/'));
    QTimer::singleShot(BarrierTimeout, this, [this, name] { releaseBarrier(name); });
}

void BridgeCookieJar::releaseBarrier(const QByteArray &name)
{
    const auto it = std::find_if(
        m_waiters.begin(), m_waiters.end(), [&](const Waiter &w) { return w.sentinel == name; });
    if (it == m_waiters.end())
        return;
    const Waiter waiter = *it;
    m_waiters.erase(it);
    if (m_store) {
        QNetworkCookie sentinel(name, "1");
        sentinel.setDomain(SentinelHost);
        m_store->deleteCookie(sentinel, QUrl(QStringLiteral("http://") + SentinelHost + u'/'));
    }
    if (waiter.context)
        waiter.then();
}

} // namespace QtWs
