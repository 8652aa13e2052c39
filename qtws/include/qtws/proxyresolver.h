// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYRESOLVER_H
#define QTWS_PROXYRESOLVER_H

#include <qtws/proxycandidate.h>
#include <qtws/proxyconfiguration.h>
#include <qtws/qtws_export.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <functional>
#include <memory>

namespace QtWs {

class ProxyResolutionPrivate;
class ProxyResolverPrivate;
class ProxyResolveReplyPrivate;

/*!
    \namespace QtWs::ProxyError
    \brief Errors a proxy resolution can end with.
    \since 0.1
*/
namespace ProxyError {
Q_NAMESPACE_EXPORT(QTWS_EXPORT)
/*! Why a resolution produced no candidate. */
enum class Error {
    /*! The candidate list is valid. */
    NoError,
    /*! The target URL is not valid or has no host. */
    InvalidUrl,
    /*! The PAC script could not be fetched (network, HTTP status, size cap, timeout). */
    PacFetchFailed,
    /*! The PAC script threw, timed out, or returned something that is not a string. */
    PacEvaluationFailed,
    /*! The PAC answer had no entry qtws can use (every entry unknown or malformed). */
    PacNoUsableProxy,
    /*! WPAD found a host but the script there could not be fetched. */
    WpadFetchFailed,
    /*! The resolver was destroyed before the answer was ready. */
    Cancelled,
};
Q_ENUM_NS(Error)
} // namespace ProxyError

/*!
    \class QtWs::ProxyResolution
    \brief The answer of a ProxyResolver for one URL: an ordered candidate list, or a typed error.

    On success candidates() is never empty; DIRECT appears in it only where the configuration
    produced it (no proxy configured, a no-proxy match, a loopback target, a PAC "DIRECT" entry, or
    the opt-in PAC fallback), and reason() says which.
    \since 0.1
*/
class QTWS_EXPORT ProxyResolution
{
public:
    ProxyResolution();
    /*! Copies \a other; the copy shares its data until one of them changes (implicit sharing). */
    ProxyResolution(const ProxyResolution &other);
    /*! Moves \a other into a new object. */
    ProxyResolution(ProxyResolution &&other) noexcept;
    /*! Assigns \a other to this object (implicitly shared). */
    ProxyResolution &operator=(const ProxyResolution &other);
    /*! Moves \a other into this object. */
    ProxyResolution &operator=(ProxyResolution &&other) noexcept;
    ~ProxyResolution();

    /*! A successful resolution of \a url. */
    static ProxyResolution success(
        const QUrl &url, const QList<ProxyCandidate> &candidates, const QString &reason);
    /*! A failed resolution of \a url. */
    static ProxyResolution failure(
        const QUrl &url, ProxyError::Error error, const QString &errorString);

    /*! True when the resolution produced candidates (error() is ProxyError::Error::NoError). */
    bool isValid() const { return error() == ProxyError::Error::NoError; }
    /*! The URL that was resolved. */
    QUrl url() const;
    /*! The hops to try, in order; empty when the resolution failed. */
    QList<ProxyCandidate> candidates() const;
    /*! Why the resolution failed; ProxyError::Error::NoError on success. */
    ProxyError::Error error() const;
    /*! A sentence naming what failed, e.g. the PAC URL and the HTTP status it answered. */
    QString errorString() const;
    /*! Why these candidates, e.g. "loopback target", "no_proxy entry '.corp.example'",
        "PAC http://p/x.pac". */
    QString reason() const;
    /*! Non-fatal problems: skipped PAC entries, a stale PAC script kept after a failed refresh. */
    QStringList warnings() const;
    /*! True when the PAC failed and the configuration's opt-in DIRECT fallback was used. */
    bool isDirectFallback() const;
    /*! True when the answer came from the result cache. */
    bool isFromCache() const;

    /*! Sets warnings() to \a warnings. */
    void setWarnings(const QStringList &warnings);
    /*! Sets isDirectFallback() to \a fallback. */
    void setDirectFallback(bool fallback);
    /*! Sets isFromCache() to \a fromCache. */
    void setFromCache(bool fromCache);

    /*! Swaps this object with \a other; never fails. */
    void swap(ProxyResolution &other) noexcept { d.swap(other.d); }

private:
    QSharedDataPointer<ProxyResolutionPrivate> d;
};

/*! Writes a description of the resolution to \a debug, for logging. */
QTWS_EXPORT QDebug operator<<(QDebug debug, const ProxyResolution &resolution);

/*!
    \class QtWs::ProxyResolveReply
    \brief A pending ProxyResolver::resolve(); emits finished() once, from the resolver's thread.

    Like QNetworkReply, the caller owns the reply: delete it (deleteLater()) after finished().
    Deleting it earlier cancels nothing shared: other requests for the same PAC script continue.
    \since 0.1
*/
class QTWS_EXPORT ProxyResolveReply : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyResolveReply)
public:
    ~ProxyResolveReply() override;

    /*! True once the answer is ready. */
    bool isFinished() const;
    /*! The answer; valid once isFinished(). */
    ProxyResolution result() const;

Q_SIGNALS:
    /*! The answer is ready (result()); emitted once. */
    void finished();

private:
    friend class ProxyResolver;
    explicit ProxyResolveReply(const QUrl &url, QObject *parent = nullptr);
    void finish(const ProxyResolution &result);
    std::unique_ptr<ProxyResolveReplyPrivate> const d_ptr;
    Q_DECLARE_PRIVATE(ProxyResolveReply)
};

/*!
    \class QtWs::ProxyResolver
    \brief Resolves the ordered proxy candidates for a WebSocket (or HTTP) URL from the user's
    configuration, without ever blocking the calling thread.

    Sources, in precedence order:
    \list 1
    \li the resolver's own configuration (setConfiguration(): per socket);
    \li the application-wide configuration (setApplicationConfiguration());
    \li the system: \c QTWS_PAC_URL; then the proxy environment variables; then the desktop settings
    (GNOME \c org.gnome.system.proxy through \c gsettings, or KDE \c kioslaverc), chosen by
    \c XDG_CURRENT_DESKTOP and \c KDE_FULL_SESSION.
    \endlist
    The first level whose mode is not ProxyConfiguration::Mode::System decides. Environment
    variables win over the desktop because they are set for this process on purpose (a shell
    profile, a launcher, a container), as curl, git and most command-line tools read them.

    Environment variables (curl's rules): lower-case names win over upper-case ones (\c http_proxy
    over \c HTTP_PROXY) except that upper-case \c HTTP_PROXY is still read, since only CGI makes it
    unsafe and qtws is not a CGI program; \c ws:// targets use \c http_proxy, \c wss:// targets use
    \c https_proxy, both fall back to \c all_proxy. Proxy URLs may be \c http:// (port 80 by
    default, 1080 when no scheme), \c https:// (443), \c socks4:// and \c socks4a:// (1080),
    \c socks5:// and \c socks5h:// (1080); a URL without scheme is HTTP. User and password in a
    proxy URL are kept on that candidate only and never logged.

    \c no_proxy (curl-compatible): entries separated by commas or white space; \c * alone matches
    every host; a name matches itself and every subdomain, with or without a leading dot
    (\c .example.com and \c example.com both match \c example.com and \c a.example.com, never
    \c badexample.com); IPv4 and IPv6 literals match the same address, and CIDR ranges
    (\c 10.0.0.0/8, \c fd00::/8) match addresses inside (names are not resolved for this);
    \c host:port (or \c [v6]:port) entries match that port only, an extension curl lacks but Go and
    wget have.

    \c QTWS_PAC_URL names a PAC script for this process (a URL, or a file path); \c no_proxy still
    applies to it.

    Desktop settings. GNOME (also Unity, Cinnamon, MATE, Budgie, Pantheon): \c
    org.gnome.system.proxy read with <tt>gsettings list-recursively</tt> off the caller's thread;
    mode \c none, \c manual (the \c http proxy for ws and http targets, \c https for wss and https,
    \c socks as SOCKS5 for targets without their own; the deprecated \c use-same-proxy lends the
    http proxy to secure targets only when no https proxy is set), \c auto with \c autoconfig-url
    (PAC) or without it (WPAD); \c ignore-hosts is the no-proxy list. KDE: the [Proxy Settings]
    group of \c kioslaverc in \c $XDG_CONFIG_HOME (or \c ~/.config); ProxyType 0 none, 1 manual (\c
    httpProxy, \c httpsProxy, \c socksProxy as "http://host 8080" or "host:8080"), 2 PAC (<tt>Proxy
    Config Script</tt>), 3 WPAD, 4 environment (the keys name variables); \c NoProxyFor with \c
    ReversedException. The system-wide \c /etc/xdg/kioslaverc is not read.

    Loopback targets (\c localhost, \c *.localhost, 127.0.0.0/8, \c ::1) go DIRECT unless the
    deciding configuration has ProxyConfiguration::proxyLoopback(), as Chromium and Firefox do.

    PAC scripts (\c file:, \c data:, \c http:, \c https:) are fetched without any proxy, as every
    browser does, following at most 5 redirects, refusing scripts over 1 MiB, and giving up after
    ProxyConfiguration::pacFetchTimeout(). A fetched script is reused for
    ProxyConfiguration::pacMaxAge(); when a refresh fails the last good script stays in use and the
    result carries a warning. Answers are cached per (script, scheme, host, port) for
    ProxyConfiguration::resultCacheTtl(). A network change reported by QNetworkInformation clears
    the answer cache, the system settings and the WPAD discovery, and makes the next resolution
    fetch its PAC script again.

    WPAD (mode AutoDetect only) tries \c http://wpad.DOMAIN/wpad.dat for the local domain (DOMAIN)
    and each parent domain, most specific first, and stops before the organisation's registrable
    domain would be left: at least two labels are always kept (\c wpad.com is never asked), and
    three when the last two look like a public second-level suffix (\c co.uk, \c com.au, \c ac.jp,
    ...). DNS names the first host; when no candidate resolves there is no proxy on this network and
    the result is DIRECT (as browsers do), with the names tried in reason(). When a name resolves
    but its script cannot be fetched, the PAC failure policy applies. DHCP (option 252) is not
    asked: it needs a privileged DHCP client request; Firefox and Chromium on Linux use DNS only as
    well.

    A ProxyResolver belongs to the thread it lives in: call it from there (only the application-wide
    configuration functions are thread-safe). Its caches (system settings, PAC scripts, WPAD
    discovery, answers) are per resolver, so an application should share one resolver between its
    sockets. A pending request whose resolver is destroyed ends with ProxyError::Error::Cancelled.

    Unlike QNetworkProxyFactory::systemProxyForQuery() (backed by libproxy on many Linux systems),
    nothing is dropped or invented: an HTTPS or SOCKS4 proxy stays what it is, and DIRECT is never
    appended.
    \since 0.1
*/
class QTWS_EXPORT ProxyResolver : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyResolver)
public:
    /*! A function that receives the answer of resolve(). */
    using Callback = std::function<void(const ProxyResolution &)>;

    /*! A resolver with its own caches and a configuration in mode System, child of \a parent. */
    explicit ProxyResolver(QObject *parent = nullptr);
    ~ProxyResolver() override;

    /*! The per-socket configuration; mode System (the default) defers to the application's,
        then the system. */
    ProxyConfiguration configuration() const;
    /*! Sets configuration() to \a configuration. */
    void setConfiguration(const ProxyConfiguration &configuration);

    /*!
        The application's shared resolver for objects in the main thread, created on first use as a
        child of QCoreApplication. Sockets that use it share PAC scripts, WPAD discovery and cached
        answers; give per-socket settings with the resolve() overload that takes a configuration.
        Returns nullptr when called from another thread or without a QCoreApplication (create a
        resolver there instead).
    */
    static ProxyResolver *shared();

    /*! The configuration every resolver uses when its own is in mode System. Thread-safe. */
    static ProxyConfiguration applicationConfiguration();
    /*! Sets applicationConfiguration() to \a configuration. */
    static void setApplicationConfiguration(const ProxyConfiguration &configuration);

    /*!
        Starts resolving \a url. The returned reply, owned by the caller, emits
        ProxyResolveReply::finished() later (never before this function returns).
    */
    [[nodiscard]] ProxyResolveReply *resolve(const QUrl &url);
    /*!
        Starts resolving \a url and calls \a callback with the answer from the event loop, unless \a
        context is destroyed first. Never calls \a callback synchronously.
    */
    void resolve(const QUrl &url, const QObject *context, Callback callback);
    /*!
        Like resolve(url, context, callback), with \a configuration taking the place of the
        resolver's own for this request only (mode System defers to the resolver's own, then the
        application's, then the system). This is how many sockets with their own settings share one
        resolver, and so one copy of each PAC script and answer.
    */
    void resolve(const QUrl &url, const ProxyConfiguration &configuration, const QObject *context,
        Callback callback);
    /*!
        The answer for \a url if it is available without waiting (a manual or no-proxy
        configuration, cached system settings, or a cached PAC answer); \c false otherwise. Never
        starts a fetch. This is the fast path: a few hash lookups.
    */
    bool resolveCached(const QUrl &url, ProxyResolution *result) const;
    /*! resolveCached() for a request with its own \a configuration (see the resolve() overload). */
    bool resolveCached(
        const QUrl &url, const ProxyConfiguration &configuration, ProxyResolution *result) const;

    /*! Drops cached answers, system settings, WPAD discovery and PAC scripts, as a network
        change does. */
    void clearCache();

Q_SIGNALS:
    /*! Emitted for every resolution that ends with an error, in addition to delivering it. */
    void errorOccurred(QtWs::ProxyError::Error error, const QString &errorString);

private:
    friend class ProxyResolverPrivate;
    std::unique_ptr<ProxyResolverPrivate> const d_ptr;
    Q_DECLARE_PRIVATE(ProxyResolver)
};

} // namespace QtWs

Q_DECLARE_SHARED(QtWs::ProxyResolution)
Q_DECLARE_METATYPE(QtWs::ProxyResolution)

#endif // QTWS_PROXYRESOLVER_H
