// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_PROXYSETTINGS_H
#define QTWSDEMO_PROXYSETTINGS_H

#include <qtws/proxyconfiguration.h>

#include <QtCore/QObject>

#include <optional>

/*!
    \class ProxySettings
    \brief The browser's one proxy configuration, applied to qtws and to Qt WebEngine's own page
    loads so that a page and its WebSockets take the same way out.

    qtws follows it through ProxyResolver::setApplicationConfiguration(): every page socket (and
    every probe) resolves with it. Qt WebEngine takes what a QNetworkProxy can say (no proxy, an
    HTTP or SOCKS5 proxy, the system settings) at any time; PAC scripts, HTTPS and SOCKS4 proxies
    and WPAD reach Chromium only as switches when it starts (startupSwitches()). webEngineNote()
    says when page loads cannot follow a change until the next start.

    Nothing is written to disk: the configuration, and the credentials it may carry, live in
    memory for the session.
    \since 0.2
*/
class ProxySettings : public QObject
{
    Q_OBJECT
public:
    /*! \a startup is the configuration of the command line (what Chromium was started with). */
    explicit ProxySettings(const QtWs::ProxyConfiguration &startup, QObject *parent = nullptr);

    QtWs::ProxyConfiguration configuration() const { return m_configuration; }
    /*! Applies \a configuration to qtws and Qt WebEngine. */
    void setConfiguration(const QtWs::ProxyConfiguration &configuration);

    /*! A sentence for the status bar: "system settings", "no proxy", "PROXY host:3128", ... */
    static QString describe(const QtWs::ProxyConfiguration &configuration);
    /*! Empty when page loads follow the configuration, else why they do not (yet). */
    QString webEngineNote() const;

    /*!
        Chromium switches for what QNetworkProxy cannot carry (PAC, WPAD, HTTPS and SOCKS4
        proxies, the no-proxy list with them); main() adds them to QTWEBENGINE_CHROMIUM_FLAGS
        before Qt WebEngine starts. Never credentials: other users can read a command line.
    */
    static QByteArray startupSwitches(const QtWs::ProxyConfiguration &configuration);

    /*!
        A proxy URL (http://, https://, socks4://, socks4a://, socks5://, socks5h://, or
        host:port for HTTP) as a candidate with its credentials; nothing, with \a error, when it
        is not one.
    */
    static std::optional<QtWs::ProxyCandidate> candidateFromUrl(
        const QString &value, QString *error);

Q_SIGNALS:
    void configurationChanged();

private:
    void applyToWebEngine();

    QtWs::ProxyConfiguration m_startup;
    QtWs::ProxyConfiguration m_configuration;
};

#endif // QTWSDEMO_PROXYSETTINGS_H
