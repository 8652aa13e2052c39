// SPDX-License-Identifier: LGPL-3.0-or-later
#include "browser.h"

#include "browsertab.h"
#include "embeddedrelay.h"
#include "inspectordock.h"
#include "inspectormodel.h"
#include "launchenvironment.h"
#include "mainwindow.h"
#include "pageserver.h"
#include "prober.h"
#include "proxycredentials.h"
#include "proxysettings.h"
#include "socketrecord.h"
#include "tabwidget.h"
#include "urlhistory.h"
#include "webpage.h"

#include <qtws/global.h>
#include <qtws/webbridge.h>
#include <qtws/websocket.h>

#include <QtCore/QFileInfo>
#include <QtCore/QJsonObject>
#include <QtNetwork/QAuthenticator>
#include <QtWebEngineCore/QWebEngineDownloadRequest>
#include <QtWebEngineCore/QWebEngineProfile>

Browser::Browser(const BrowserOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{ }

Browser::~Browser()
{
    // The window first, while every member lives: closing its pages deletes their sockets,
    // which the inspector's bookkeeping (m_records) hears about.
    m_window.reset();
}

QUrl Browser::chatUrl() const
{
    return m_pages->url(QStringLiteral("/chat.html"));
}

bool Browser::start(QString *error)
{
    // Servers first: a SOCKS5 application proxy set below could otherwise be asked to listen.
    m_pages = new PageServer(QStringLiteral(":/qtws-demo/pages"), this);
    m_relay = new EmbeddedRelay(this);
    if (!m_pages->listen()) {
        *error = tr("the page server cannot listen: %1").arg(m_pages->errorString());
        return false;
    }
    if (!m_relay->start(m_pages->origin())) {
        *error = m_relay->errorString();
        return false;
    }
    m_pages->setConfig({{QStringLiteral("relay"), m_relay->url().toString()},
        {QStringLiteral("version"), QString::fromLatin1(QtWs::version())}});

    m_proxy = new ProxySettings(m_options.proxyConfiguration, this);
    m_credentials = new ProxyCredentials(m_proxy, this);
    m_prober = new Prober(m_credentials, this);
    m_pages->addApi(
        QStringLiteral("probe"), [this](const QUrlQuery &query, PageServer::Respond respond) {
            m_prober->probe(QUrl(query.queryItemValue(QStringLiteral("url"), QUrl::FullyDecoded)),
                std::move(respond));
        });
    m_history = new UrlHistory(this);
    m_profile = new QWebEngineProfile(this); // off the record: nothing on disk
    connect(m_profile, &QWebEngineProfile::downloadRequested, this, &Browser::refuseDownload);

    m_bridge = new QtWs::WebBridge(this);
    m_bridge->setAllowedOrigins(allowedOrigins());
    m_bridge->setReplaceWebSocket(m_options.replaceWebSocket);
    connect(m_bridge, &QtWs::WebBridge::socketCreated, this, &Browser::adopt);
    connect(m_bridge, &QtWs::WebBridge::textMessageSent, this,
        [this](QtWs::WebSocket *socket, const QString &message) {
            recordSent(socket, message.toUtf8(), false);
        });
    connect(m_bridge, &QtWs::WebBridge::binaryMessageSent, this,
        [this](QtWs::WebSocket *socket, const QByteArray &message) {
            recordSent(socket, message, true);
        });

    const MainWindow::Pages pages {m_pages->url(QStringLiteral("/index.html")), chatUrl(),
        m_pages->url(QStringLiteral("/diagnostics.html"))};
    m_window = std::make_unique<MainWindow>(m_profile, m_history, m_proxy, pages);
    m_credentials->setDialogParent(m_window.get());
    m_window->setRelayUrl(m_relay->url());
    m_window->setReplaceWebSocket(m_options.replaceWebSocket);
    m_window->setDevToolsAddress(LaunchEnvironment::devToolsAddress());
    connect(m_window->tabs(), &TabWidget::tabCreated, this, &Browser::setUpTab);
    connect(
        m_window.get(), &MainWindow::replaceWebSocketToggled, this, &Browser::setReplaceWebSocket);
    m_window->open(firstUrl(), true);
    m_window->show();
    return true;
}

QUrl Browser::firstUrl() const
{
    const QUrl &url = m_options.url;
    if (url.isEmpty())
        return chatUrl();
    if (url.scheme() == u"demo") // a bundled page
        return m_pages->url(u'/' + url.path() + (url.hasQuery() ? u'?' + url.query() : QString()));
    return url;
}

QStringList Browser::allowedOrigins() const
{
    QStringList origins {m_pages->origin()};
    if (m_options.url.isValid()
        && !m_options.url.host().isEmpty()) // the user chose it (demo: has no host)
        origins.append(m_options.url
                           .adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment
                               | QUrl::RemoveUserInfo)
                           .toString());
    origins.append(m_options.allowedOrigins);
    return origins;
}

void Browser::setUpTab(BrowserTab *tab)
{
    m_bridge->install(tab->page());
    connect(tab->page(), &QWebEnginePage::proxyAuthenticationRequired, this,
        [this](const QUrl &, QAuthenticator *authenticator, const QString &proxyHost) {
            m_credentials->answer(proxyHost, 0, authenticator);
        });
}

void Browser::adopt(QtWs::WebSocket *socket, const QUrl &pageUrl, QWebEnginePage *page)
{
    BrowserTab *tab = m_window->tabs()->tabFor(page);
    if (!tab)
        return;
    m_credentials->watch(socket);
    m_records.insert(socket, tab->sockets()->addSocket(socket, pageUrl));
    connect(socket, &QObject::destroyed, this, [this, socket] { m_records.remove(socket); });
}

void Browser::recordSent(QtWs::WebSocket *socket, const QByteArray &payload, bool binary)
{
    if (SocketRecord *record = m_records.value(socket))
        record->recordSent(payload, binary);
}

void Browser::refuseDownload(QWebEngineDownloadRequest *download)
{
    download->cancel();
    m_window->showMessage(tr("Downloads are refused in this demo browser: %1 was not saved.")
                              .arg(download->downloadFileName()));
}

void Browser::setReplaceWebSocket(bool replace)
{
    m_bridge->setReplaceWebSocket(replace);
    m_window->setReplaceWebSocket(replace);
    // The page script is installed per document: the current page takes it on reload.
    if (BrowserTab *tab = m_window->tabs()->currentTab())
        tab->reload();
    m_window->showMessage(replace
            ? tr("Pages of allowed origins now get qtws's WebSocket.")
            : tr("Pages now use Qt WebEngine's own WebSocket: the inspector sees nothing."));
}
