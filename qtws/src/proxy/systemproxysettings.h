// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_SYSTEMPROXYSETTINGS_H
#define QTWS_SYSTEMPROXYSETTINGS_H

#include <qtws/proxycandidate.h>
#include <qtws/proxyconfiguration.h>
#include <qtws/qtws_export.h>

#include <QtCore/QProcessEnvironment>
#include <QtCore/QStringList>

#include <functional>
#include <optional>

namespace QtWs {

/*!
    \internal
    Everything the system configuration is read from, injectable for tests. fromProcess() gives the
    real one. Every member must be safe to call from a thread-pool thread: the resolver reads the
    system settings off the caller's thread because \c gsettings is a process.
*/
struct QTWS_EXPORT SystemProxyEnvironment
{
    QProcessEnvironment environment;
    /*! The output of `gsettings list-recursively org.gnome.system.proxy`, or nullopt when
        unavailable. */
    std::function<std::optional<QString>()> gnomeSettings;
    /*! The folder holding kioslaverc: $XDG_CONFIG_HOME, else ~/.config. Empty: derive from
        environment. */
    QString kdeConfigDir;

    static SystemProxyEnvironment fromProcess();
};

/*! \internal The configuration read from the system, with where it came from. */
struct QTWS_EXPORT SystemProxySettings
{
    /*! Mode System here means that nothing is configured anywhere: DIRECT. */
    ProxyConfiguration configuration;
    ProxyCandidate::Source source = ProxyCandidate::Source::Environment;
    /*! e.g. "QTWS_PAC_URL", "environment", "org.gnome.system.proxy", "/home/u/.config/kioslaverc".
     */
    QString origin;
    QStringList warnings;
};

/*! \internal Which desktop's settings apply, from XDG_CURRENT_DESKTOP and KDE_FULL_SESSION. */
enum class DesktopKind { None, Gnome, Kde };
QTWS_EXPORT DesktopKind detectDesktop(const QProcessEnvironment &environment);

/*!
    \internal
    The system configuration: QTWS_PAC_URL, then the proxy environment variables, then the desktop's
    settings.
*/
QTWS_EXPORT SystemProxySettings readSystemProxySettings(const SystemProxyEnvironment &system);

/*! \internal http_proxy, https_proxy, all_proxy, no_proxy (either case, lower case wins); nullopt

    if none set. */
QTWS_EXPORT std::optional<SystemProxySettings> readEnvironmentProxySettings(
    const QProcessEnvironment &env);

/*! \internal Parses `gsettings list-recursively org.gnome.system.proxy` output. */
QTWS_EXPORT std::optional<SystemProxySettings> readGnomeProxySettings(
    const QString &gsettingsOutput);

/*! \internal Reads the [Proxy Settings] group of the kioslaverc at \a path; \a env serves

    ProxyType=4. */
QTWS_EXPORT std::optional<SystemProxySettings> readKdeProxySettings(
    const QString &path, const QProcessEnvironment &env);

} // namespace QtWs

#endif // QTWS_SYSTEMPROXYSETTINGS_H
