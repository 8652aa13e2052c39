// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_BROWSER_H
#define QTWSDEMO_BROWSER_H

#include "browseroptions.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QWebEngineDownloadRequest;
class QWebEnginePage;
class QWebEngineProfile;
QT_END_NAMESPACE

class BrowserTab;
class EmbeddedRelay;
class MainWindow;
class PageServer;
class Prober;
class ProxyCredentials;
class ProxySettings;
class SocketRecord;
class UrlHistory;
namespace QtWs {
class WebBridge;
class WebSocket;
} // namespace QtWs

/*!
    \class Browser
    \brief The application: starts the embedded relay and the page server, sets up the
    profile, the bridge and the proxy settings, and connects them to the window.

    Every tab's page gets the bridge (QtWs::WebBridge::install()); each socket a page opens is
    handed to that tab's inspector model, with its proxy credential requests answered by
    ProxyCredentials. Allowed origins: the bundled pages, the origin of the URL given on the
    command line, and --allow-origin values. The profile is off the record: cookies, cache and
    history stay in memory.
    \since 0.2
*/
class Browser : public QObject
{
    Q_OBJECT
public:
    explicit Browser(const BrowserOptions &options, QObject *parent = nullptr);
    ~Browser() override;

    /*! Starts everything, shows the window and opens the first page; false with \a error. */
    bool start(QString *error);

    MainWindow *window() const { return m_window.get(); }
    EmbeddedRelay *relay() const { return m_relay; }
    PageServer *pages() const { return m_pages; }
    QtWs::WebBridge *bridge() const { return m_bridge; }
    ProxySettings *proxySettings() const { return m_proxy; }
    ProxyCredentials *credentials() const { return m_credentials; }
    /*! The bundled chat page on the embedded relay. */
    QUrl chatUrl() const;

private:
    void setUpTab(BrowserTab *tab);
    void adopt(QtWs::WebSocket *socket, const QUrl &pageUrl, QWebEnginePage *page);
    void recordSent(QtWs::WebSocket *socket, const QByteArray &payload, bool binary);
    void refuseDownload(QWebEngineDownloadRequest *download);
    void setReplaceWebSocket(bool replace);
    QStringList allowedOrigins() const;
    QUrl firstUrl() const;

    const BrowserOptions m_options;
    PageServer *m_pages = nullptr;
    EmbeddedRelay *m_relay = nullptr;
    ProxySettings *m_proxy = nullptr;
    ProxyCredentials *m_credentials = nullptr;
    Prober *m_prober = nullptr;
    UrlHistory *m_history = nullptr;
    QWebEngineProfile *m_profile = nullptr;
    QtWs::WebBridge *m_bridge = nullptr;
    std::unique_ptr<MainWindow> m_window;
    QHash<const QtWs::WebSocket *, QPointer<SocketRecord>> m_records;
};

#endif // QTWSDEMO_BROWSER_H
