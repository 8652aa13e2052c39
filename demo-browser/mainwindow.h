// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_MAINWINDOW_H
#define QTWSDEMO_MAINWINDOW_H

#include <QtCore/QPointer>
#include <QtCore/QUrl>
#include <QtWidgets/QMainWindow>

QT_BEGIN_NAMESPACE
class QLabel;
class QToolBar;
class QWebEngineProfile;
QT_END_NAMESPACE

class AddressBar;
class BrowserTab;
class InspectorDock;
class ProxySettings;
class TabWidget;
class UrlHistory;

/*!
    \class MainWindow
    \brief The browser window: navigation toolbar with the address bar, the tabs, the
    connection inspector dock and the status bar (relay, proxy, WebSocket implementation,
    DevTools), with the shortcuts a person expects: Ctrl+L, Ctrl+T, Ctrl+W, F5, Esc,
    Alt+Left/Right, F12 (inspector).

    The "qtws WebSocket" toggle only emits replaceWebSocketToggled(); the browser applies it
    to the bridge and reloads the page.
    \since 0.2
*/
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /*! Bundled pages the Go menu opens. */
    struct Pages
    {
        QUrl start;
        QUrl chat;
        QUrl diagnostics;
    };

    MainWindow(QWebEngineProfile *profile, UrlHistory *history, ProxySettings *proxy,
        const Pages &pages, QWidget *parent = nullptr);

    TabWidget *tabs() const { return m_tabs; }
    InspectorDock *inspector() const { return m_inspector; }
    AddressBar *addressBar() const { return m_address; }

    /*! Opens \a url in the current tab, or in a new one when \a newTab (or there is none). */
    void open(const QUrl &url, bool newTab = false);
    void setRelayUrl(const QUrl &url);
    void setDevToolsAddress(const QString &address);
    /*! Shows whether pages get qtws's WebSocket, without emitting replaceWebSocketToggled(). */
    void setReplaceWebSocket(bool replace);
    void showMessage(const QString &message, int timeoutMs = 8000);

Q_SIGNALS:
    void replaceWebSocketToggled(bool replace);

private:
    void createActions();
    void createMenus(QToolBar *tools, const QList<QAction *> &file, QAction *quit,
        const QList<QAction *> &pages, QAction *proxy, QAction *inspector);
    void follow(BrowserTab *tab);
    void updateSocketSummary();
    void editProxySettings();
    void showProxy();

    ProxySettings *const m_proxy;
    UrlHistory *const m_history;
    const Pages m_pages;
    TabWidget *m_tabs = nullptr;
    AddressBar *m_address = nullptr;
    InspectorDock *m_inspector = nullptr;
    QPointer<BrowserTab> m_current;
    QList<QMetaObject::Connection> m_followed;
    QAction *m_back = nullptr;
    QAction *m_forward = nullptr;
    QAction *m_reload = nullptr;
    QAction *m_stop = nullptr;
    QAction *m_replace = nullptr;
    QLabel *m_socketsLabel = nullptr;
    QLabel *m_modeLabel = nullptr;
    QLabel *m_proxyLabel = nullptr;
    QLabel *m_relayLabel = nullptr;
    QLabel *m_devToolsLabel = nullptr;
};

#endif // QTWSDEMO_MAINWINDOW_H
