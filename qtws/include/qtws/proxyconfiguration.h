// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYCONFIGURATION_H
#define QTWS_PROXYCONFIGURATION_H

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <chrono>

namespace QtWs {

class ProxyConfigurationPrivate;

/*!
    \class QtWs::ProxyConfiguration
    \brief How proxies are chosen for a connection: follow the system, no proxy, a manual list per
    scheme, a PAC script, or WPAD auto-detection.

    A ProxyConfiguration is a value: copy it freely, compare it with ==. It is used at three levels,
    in this order of precedence (see ProxyResolver):
    \list
    \li per socket (ProxyResolver::setConfiguration(), or per request),
    \li application-wide (ProxyResolver::setApplicationConfiguration()),
    \li the system (environment variables, GNOME or KDE settings, \c QTWS_PAC_URL).
    \endlist
    A configuration in mode System defers to the next level.

    Manual proxies are kept per target scheme: \c ws and \c http share the "http" list, \c wss and
    \c https the "https" list (RFC 6455 §4.1: a WebSocket connection is proxied like its HTTP
    counterpart); a list set without a scheme applies to every scheme that has none of its own.

    The no-proxy list uses curl's \c no_proxy syntax (see ProxyResolver for the full rules): host
    names match themselves and their subdomains, a leading dot or \c *. is optional, \c * alone
    matches everything, IP literals and CIDR ranges match addresses, and \c host:port entries match
    one port only.

    If a PAC script cannot be fetched or evaluated, resolution fails closed: the result carries an
    error and no candidate, so nothing connects DIRECT behind the user's back.
    setAllowDirectFallbackOnPacFailure(true) opts into DIRECT instead; the result then says so
    (ProxyResolution::isDirectFallback()).
    \since 0.1
*/
class QTWS_EXPORT ProxyConfiguration
{
    Q_GADGET
public:
    /*! How the configuration chooses proxies. */
    enum class Mode {
        System, //!< defer to the next level (application, then the system settings)
        NoProxy, //!< connect DIRECT to every target
        Manual, //!< the manual proxy lists
        PacUrl, //!< evaluate the PAC script at pacUrl()
        AutoDetect, //!< find a PAC script with WPAD (DNS), then evaluate it
    };
    Q_ENUM(Mode)

    /*! Default age after which a fetched PAC script is fetched again (30 minutes). */
    static constexpr std::chrono::milliseconds DefaultPacMaxAge {30 * 60 * 1000};
    /*! Default lifetime of a cached PAC result for one target (5 minutes). */
    static constexpr std::chrono::milliseconds DefaultResultCacheTtl {5 * 60 * 1000};
    /*! Default time a PAC download may take (10 seconds). */
    static constexpr std::chrono::milliseconds DefaultPacFetchTimeout {10 * 1000};

    ProxyConfiguration();
    /*! Copies \a other; the copy shares its data until one of them changes (implicit sharing). */
    ProxyConfiguration(const ProxyConfiguration &other);
    /*! Moves \a other into a new object. */
    ProxyConfiguration(ProxyConfiguration &&other) noexcept;
    /*! Assigns \a other to this object (implicitly shared). */
    ProxyConfiguration &operator=(const ProxyConfiguration &other);
    /*! Moves \a other into this object. */
    ProxyConfiguration &operator=(ProxyConfiguration &&other) noexcept;
    ~ProxyConfiguration();

    /*! A configuration that connects DIRECT to everything. */
    static ProxyConfiguration noProxy();
    /*! A manual configuration using \a proxies for every scheme. */
    static ProxyConfiguration manual(const QList<ProxyCandidate> &proxies);
    /*! A configuration evaluating the PAC script at \a url (\c file:, \c data:, \c http: or \c
        https:). */
    static ProxyConfiguration pac(const QUrl &url);
    /*! A configuration that discovers its PAC script with WPAD. */
    static ProxyConfiguration autoDetect();

    /*! How this configuration chooses proxies. */
    Mode mode() const;
    /*! Sets mode() to \a mode (setManualProxies() and setPacUrl() set it too). */
    void setMode(Mode mode);

    /*!
        The manual proxies for \a scheme ("http", "https", "ws", "wss"; ws is stored as http and wss
        as https), or the scheme-independent list when \a scheme is empty. Only this exact list: see
        proxiesForScheme().
    */
    QList<ProxyCandidate> manualProxies(const QString &scheme = QString()) const;
    /*! Sets the proxies for every scheme that has no list of its own. Also sets the mode to Manual.
     */
    void setManualProxies(const QList<ProxyCandidate> &proxies);
    /*! Sets the proxies for \a scheme only (ws = http, wss = https). Also sets the mode to Manual.
     */
    void setManualProxies(const QString &scheme, const QList<ProxyCandidate> &proxies);
    /*! The list used for a target of \a scheme: its own list, else the scheme-independent one. */
    QList<ProxyCandidate> proxiesForScheme(const QString &scheme) const;

    /*! Targets that never use a proxy (curl \c no_proxy syntax, one entry per element). */
    QStringList noProxyList() const;
    /*! Sets noProxyList() to \a entries. */
    void setNoProxyList(const QStringList &entries);
    /*!
        When true, the no-proxy list says which targets DO use the proxies and every other target
        goes DIRECT (KDE's "ReversedException"). Default false.
    */
    bool isNoProxyListReversed() const;
    /*! Sets isNoProxyListReversed() to \a reversed. */
    void setNoProxyListReversed(bool reversed);

    /*! The PAC script URL (mode PacUrl). */
    QUrl pacUrl() const;
    /*! Sets the PAC script URL. Also sets the mode to PacUrl. */
    void setPacUrl(const QUrl &url);

    /*! Whether a PAC fetch or evaluation failure yields DIRECT instead of an error. Default false.
     */
    bool allowDirectFallbackOnPacFailure() const;
    /*! Sets allowDirectFallbackOnPacFailure() to \a allow. */
    void setAllowDirectFallbackOnPacFailure(bool allow);

    /*!
        Whether loopback targets (localhost, *.localhost, 127.0.0.0/8, ::1) are resolved like any
        other target. Default false: they go DIRECT, as every browser does.
    */
    bool proxyLoopback() const;
    /*! Sets proxyLoopback() to \a proxy. */
    void setProxyLoopback(bool proxy);

    /*! Age after which a PAC script is fetched again; the last good script is kept if that fails.
     */
    std::chrono::milliseconds pacMaxAge() const;
    /*! Sets pacMaxAge() to \a age. */
    void setPacMaxAge(std::chrono::milliseconds age);
    /*! Lifetime of a cached PAC answer for one (scheme, host, port); 0 disables the cache. */
    std::chrono::milliseconds resultCacheTtl() const;
    /*! Sets resultCacheTtl() to \a ttl. */
    void setResultCacheTtl(std::chrono::milliseconds ttl);
    /*! Time a PAC download (or WPAD probe download) may take. */
    std::chrono::milliseconds pacFetchTimeout() const;
    /*! Sets pacFetchTimeout() to \a timeout. */
    void setPacFetchTimeout(std::chrono::milliseconds timeout);

    /*! Swaps this object with \a other; never fails. */
    void swap(ProxyConfiguration &other) noexcept { d.swap(other.d); }
    /*! True when \a a and \a b hold the same values. */
    friend QTWS_EXPORT bool operator==(const ProxyConfiguration &a, const ProxyConfiguration &b);
    /*! True when \a a and \a b differ. */
    friend bool operator!=(const ProxyConfiguration &a, const ProxyConfiguration &b)
    {
        return !(a == b);
    }

private:
    QSharedDataPointer<ProxyConfigurationPrivate> d;
};

/*! Writes a description of the configuration to \a debug, for logging. */
QTWS_EXPORT QDebug operator<<(QDebug debug, const ProxyConfiguration &configuration);

} // namespace QtWs

Q_DECLARE_SHARED(QtWs::ProxyConfiguration)
Q_DECLARE_METATYPE(QtWs::ProxyConfiguration)

#endif // QTWS_PROXYCONFIGURATION_H
