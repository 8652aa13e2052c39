// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYCANDIDATE_H
#define QTWS_PROXYCANDIDATE_H

#include <qtws/qtws_export.h>

#include <QtCore/QDebug>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QString>

namespace QtWs {

/*!
    \class QtWs::ProxyCandidate
    \brief One entry of an ordered proxy list: DIRECT, or a proxy of a given type with host and
    port, plus where the entry came from.

    A ProxyResolver answers with a list of candidates in the order the configuration gives them.
    Unlike QNetworkProxy, every type a configuration can name is kept (an HTTPS proxy is not
    "HTTP", SOCKS4 is not SOCKS5) and no DIRECT entry is ever invented: DIRECT appears only where
    the configuration lists it.
    \since 0.1
*/
class QTWS_EXPORT ProxyCandidate
{
    Q_GADGET
public:
    /*! The kind of hop. */
    enum class Type {
        Direct, //!< no proxy: connect to the target itself
        Http, //!< HTTP proxy, plain TCP to the proxy (PAC "PROXY" or "HTTP")
        Https, //!< HTTP proxy reached over TLS (PAC "HTTPS")
        Socks4, //!< SOCKS4/4a (PAC "SOCKS4", and "SOCKS" as most browsers read it)
        Socks5, //!< SOCKS5 (PAC "SOCKS5")
    };
    Q_ENUM(Type)

    /*! Which configuration source produced the entry. */
    enum class Source {
        Explicit, //!< given for this socket by the caller
        Application, //!< application-wide configuration
        Environment, //!< http_proxy, https_proxy, all_proxy, no_proxy
        Desktop, //!< GNOME or KDE settings
        Pac, //!< a PAC script named by URL or file
        Wpad, //!< a PAC script found by WPAD discovery
    };
    Q_ENUM(Source)

    ProxyCandidate() = default;
    /*!
        A proxy of \a type at \a host:\a port, from \a source (\a origin: the variable, PAC URL or
        settings file).
    */
    ProxyCandidate(Type type, const QString &host, quint16 port, Source source,
        const QString &origin = QString())
        : m_type(type)
        , m_host(host)
        , m_port(port)
        , m_source(source)
        , m_origin(origin)
    { }
    /*! A DIRECT entry from \a source. */
    static ProxyCandidate direct(Source source, const QString &origin = QString())
    {
        return ProxyCandidate(Type::Direct, QString(), 0, source, origin);
    }

    /*! The kind of hop. */
    Type type() const noexcept { return m_type; }
    /*! True for a DIRECT entry (type() is Type::Direct). */
    bool isDirect() const noexcept { return m_type == Type::Direct; }
    /*! Host name or IP literal of the proxy (without brackets for IPv6); empty for DIRECT. */
    QString host() const { return m_host; }
    /*! Port of the proxy; 0 for DIRECT. */
    quint16 port() const noexcept { return m_port; }
    /*! The configuration source that produced the entry. */
    Source source() const noexcept { return m_source; }
    /*! Where exactly the entry came from: the variable name, the PAC URL or file, the settings
        file. */
    QString origin() const { return m_origin; }

    /*!
        User name and password given with this proxy (e.g. \c user:secret@ in a proxy URL from
        \c https_proxy). They belong to this proxy only, are never sent to another hop, and never
        appear in toPacString() or in debug output.
    */
    QString user() const { return m_user; }
    /*! The password given with this proxy; see user(). */
    QString password() const { return m_password; }
    /*! True when user() or password() is set. */
    bool hasCredentials() const noexcept { return !m_user.isEmpty() || !m_password.isEmpty(); }
    /*! Sets user() to \a user and password() to \a password, for this proxy only. */
    void setCredentials(const QString &user, const QString &password)
    {
        m_user = user;
        m_password = password;
    }

    /*! The entry in PAC result syntax, e.g. "PROXY proxy.example:3128", "HTTPS [::1]:443" or

        "DIRECT". */
    QString toPacString() const;

    /*! True when \a a and \a b hold the same values. */
    friend bool operator==(const ProxyCandidate &a, const ProxyCandidate &b) noexcept
    {
        return a.m_type == b.m_type && a.m_host == b.m_host && a.m_port == b.m_port
            && a.m_source == b.m_source && a.m_origin == b.m_origin && a.m_user == b.m_user
            && a.m_password == b.m_password;
    }
    /*! True when \a a and \a b differ. */
    friend bool operator!=(const ProxyCandidate &a, const ProxyCandidate &b) noexcept
    {
        return !(a == b);
    }

private:
    Type m_type = Type::Direct;
    QString m_host;
    quint16 m_port = 0;
    Source m_source = Source::Explicit;
    QString m_origin;
    QString m_user;
    QString m_password;
};

/*! Writes a description of the candidate to \a debug, for logging. */
QTWS_EXPORT QDebug operator<<(QDebug debug, const ProxyCandidate &candidate);

} // namespace QtWs

Q_DECLARE_METATYPE(QtWs::ProxyCandidate)

#endif // QTWS_PROXYCANDIDATE_H
