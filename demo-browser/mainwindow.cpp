// SPDX-License-Identifier: LGPL-3.0-or-later
#include "mainwindow.h"

#include "addressbar.h"
#include "browsertab.h"
#include "inspectordock.h"
#include "inspectormodel.h"
#include "proxysettings.h"
#include "proxysettingsdialog.h"
#include "socketrecord.h"
#include "tabwidget.h"
#include "urlhistory.h"

#include <QtGui/QAction>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QStyle>
#include <QtWidgets/QToolBar>

MainWindow::MainWindow(QWebEngineProfile *profile, UrlHistory *history, ProxySettings *proxy,
    const Pages &pages, QWidget *parent)
    : QMainWindow(parent)
    , m_proxy(proxy)
    , m_history(history)
    , m_pages(pages)
    , m_tabs(new TabWidget(profile, this))
    , m_address(new AddressBar(history, this))
    , m_inspector(new InspectorDock(this))
{
    setWindowTitle(QStringLiteral("qtws demo browser"));
    setCentralWidget(m_tabs);
    addDockWidget(Qt::BottomDockWidgetArea, m_inspector);
    createActions();
    m_socketsLabel = new QLabel(this);
    m_modeLabel = new QLabel(this);
    m_proxyLabel = new QLabel(this);
    m_relayLabel = new QLabel(this);
    m_devToolsLabel = new QLabel(this);
    for (QLabel *label : {m_socketsLabel, m_modeLabel, m_proxyLabel, m_relayLabel, m_devToolsLabel})
        statusBar()->addPermanentWidget(label);
    m_devToolsLabel->hide();
    connect(m_address, &AddressBar::urlEntered, this, [this](const QUrl &url) { open(url); });
    connect(m_tabs, &TabWidget::currentTabChanged, this, &MainWindow::follow);
    connect(m_tabs, &TabWidget::lastTabClosed, this, &QWidget::close);
    connect(m_proxy, &ProxySettings::configurationChanged, this, &MainWindow::showProxy);
    showProxy();
    setReplaceWebSocket(true);
    resize(1280, 860);
    resizeDocks({m_inspector}, {330}, Qt::Vertical);
}

void MainWindow::createActions()
{
    auto *tools = addToolBar(tr("Navigation"));
    tools->setObjectName(QStringLiteral("navigation"));
    tools->setMovable(false);
    auto action = [this](const QString &text, QStyle::StandardPixmap icon,
                      const QList<QKeySequence> &keys) {
        auto *a = new QAction(style()->standardIcon(icon), text, this);
        a->setShortcuts(keys);
        return a;
    };
    m_back
        = action(tr("Back"), QStyle::SP_ArrowBack, QKeySequence::keyBindings(QKeySequence::Back));
    m_forward = action(
        tr("Forward"), QStyle::SP_ArrowForward, QKeySequence::keyBindings(QKeySequence::Forward));
    m_reload = action(tr("Reload"), QStyle::SP_BrowserReload,
        {QKeySequence(Qt::Key_F5), QKeySequence(tr("Ctrl+R"))});
    m_stop = action(tr("Stop"), QStyle::SP_BrowserStop, {QKeySequence(Qt::Key_Escape)});
    auto *newTab = action(tr("New tab"), QStyle::SP_FileIcon, {QKeySequence(tr("Ctrl+T"))});
    auto *closeTab
        = action(tr("Close tab"), QStyle::SP_DialogCloseButton, {QKeySequence(tr("Ctrl+W"))});
    auto *focusAddress
        = action(tr("Go to address"), QStyle::SP_DirIcon, {QKeySequence(tr("Ctrl+L"))});
    auto *proxy = action(
        tr("Proxy settings..."), QStyle::SP_ComputerIcon, {QKeySequence(tr("Ctrl+Shift+P"))});
    auto *chat = action(tr("Chat page"), QStyle::SP_MessageBoxInformation, {});
    auto *diagnostics = action(tr("Diagnostics page"), QStyle::SP_FileDialogContentsView,
        {QKeySequence(tr("Ctrl+Shift+D"))});
    auto *quit
        = action(tr("Quit"), QStyle::SP_DialogCloseButton, {QKeySequence(QKeySequence::Quit)});
    m_replace = new QAction(tr("qtws WebSocket"), this);
    m_replace->setCheckable(true);
    m_replace->setToolTip(
        tr("Pages of allowed origins get qtws's WebSocket (off: Qt WebEngine's own, "
           "which the inspector cannot see). Reloads the page."));
    QAction *inspector = m_inspector->toggleViewAction();
    inspector->setShortcuts({QKeySequence(Qt::Key_F12), QKeySequence(tr("Ctrl+Shift+I"))});

    connect(m_back, &QAction::triggered, this, [this] {
        if (m_current)
            m_current->back();
    });
    connect(m_forward, &QAction::triggered, this, [this] {
        if (m_current)
            m_current->forward();
    });
    connect(m_reload, &QAction::triggered, this, [this] {
        if (m_current)
            m_current->reload();
    });
    connect(m_stop, &QAction::triggered, this, [this] {
        if (m_current)
            m_current->stop();
    });
    connect(newTab, &QAction::triggered, this, [this] {
        open(m_pages.start, true);
        m_address->activate();
    });
    connect(
        closeTab, &QAction::triggered, this, [this] { m_tabs->closeTab(m_tabs->currentIndex()); });
    connect(focusAddress, &QAction::triggered, m_address, &AddressBar::activate);
    connect(proxy, &QAction::triggered, this, &MainWindow::editProxySettings);
    connect(chat, &QAction::triggered, this, [this] { open(m_pages.chat, true); });
    connect(diagnostics, &QAction::triggered, this, [this] { open(m_pages.diagnostics, true); });
    connect(quit, &QAction::triggered, this, &QWidget::close);
    connect(m_replace, &QAction::toggled, this, &MainWindow::replaceWebSocketToggled);

    createMenus(
        tools, {newTab, closeTab, focusAddress}, quit, {chat, diagnostics}, proxy, inspector);
}

void MainWindow::createMenus(QToolBar *tools, const QList<QAction *> &file, QAction *quit,
    const QList<QAction *> &pages, QAction *proxy, QAction *inspector)
{
    tools->addActions({m_back, m_forward, m_reload, m_stop});
    tools->addWidget(m_address);
    tools->addActions({m_replace, proxy, inspector});
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addActions(file);
    fileMenu->addSeparator();
    fileMenu->addAction(quit);
    QMenu *go = menuBar()->addMenu(tr("&Go"));
    go->addActions({m_back, m_forward, m_reload, m_stop});
    go->addSeparator();
    go->addActions(pages);
    QMenu *settings = menuBar()->addMenu(tr("&Settings"));
    settings->addActions({proxy, m_replace, inspector});
}

void MainWindow::open(const QUrl &url, bool newTab)
{
    BrowserTab *tab = newTab || !m_tabs->currentTab() ? m_tabs->createTab() : m_tabs->currentTab();
    tab->load(url);
    tab->setFocus();
}

void MainWindow::follow(BrowserTab *tab)
{
    for (const auto &c : std::as_const(m_followed))
        disconnect(c);
    m_followed.clear();
    m_current = tab;
    m_inspector->setModel(tab ? tab->sockets() : nullptr);
    updateSocketSummary();
    if (!tab)
        return;
    auto mirror = [this](QAction *ours, QAction *page) {
        ours->setEnabled(page->isEnabled());
        m_followed << connect(
            page, &QAction::changed, ours, [ours, page] { ours->setEnabled(page->isEnabled()); });
    };
    mirror(m_back, tab->pageAction(QWebEnginePage::Back));
    mirror(m_forward, tab->pageAction(QWebEnginePage::Forward));
    mirror(m_reload, tab->pageAction(QWebEnginePage::Reload));
    mirror(m_stop, tab->pageAction(QWebEnginePage::Stop));
    m_address->showUrl(tab->url());
    setWindowTitle(tab->title().isEmpty() ? QStringLiteral("qtws demo browser")
                                          : tab->title() + QStringLiteral(" - qtws demo browser"));
    m_followed << connect(tab, &QWebEngineView::urlChanged, m_address, &AddressBar::showUrl);
    m_followed << connect(tab, &QWebEngineView::titleChanged, this, [this](const QString &title) {
        setWindowTitle(title + QStringLiteral(" - qtws demo browser"));
    });
    m_followed << connect(tab, &QWebEngineView::loadProgress, this, [this](int progress) {
        if (progress < 100)
            statusBar()->showMessage(tr("Loading... %1%").arg(progress), 2000);
    });
    m_followed << connect(tab, &QWebEngineView::loadFinished, this, [this, tab](bool ok) {
        statusBar()->showMessage(
            ok ? tr("Done") : tr("Failed to load %1").arg(tab->url().toString()), 3000);
        if (ok)
            m_history->add(tab->url());
    });
    m_followed << connect(tab->page(), &QWebEnginePage::linkHovered, this,
        [this](const QString &url) { statusBar()->showMessage(url); });
    m_followed << connect(
        tab->sockets(), &QAbstractItemModel::dataChanged, this, &MainWindow::updateSocketSummary);
    m_followed << connect(
        tab->sockets(), &QAbstractItemModel::rowsInserted, this, &MainWindow::updateSocketSummary);
}

void MainWindow::updateSocketSummary()
{
    const InspectorModel *model = m_current ? m_current->sockets() : nullptr;
    int open = 0;
    const int all = model ? model->rowCount() : 0;
    for (int row = 0; row < all; ++row)
        open += model->record(row)->stateName() == u"open" ? 1 : 0;
    m_socketsLabel->setText(tr("qtws sockets: %1 open, %2 in this tab").arg(open).arg(all));
}

void MainWindow::editProxySettings()
{
    ProxySettingsDialog dialog(m_proxy->configuration(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_proxy->setConfiguration(dialog.configuration());
    const QString note = m_proxy->webEngineNote();
    if (!note.isEmpty())
        QMessageBox::information(this, tr("Proxy settings"), note);
}

void MainWindow::showProxy()
{
    m_proxyLabel->setText(tr("proxy: %1").arg(ProxySettings::describe(m_proxy->configuration())));
}

void MainWindow::setRelayUrl(const QUrl &url)
{
    m_relayLabel->setText(tr("relay: %1").arg(url.toString()));
}

void MainWindow::setDevToolsAddress(const QString &address)
{
    m_devToolsLabel->setText(tr("DevTools: http://%1").arg(address));
    m_devToolsLabel->setVisible(!address.isEmpty());
}

void MainWindow::setReplaceWebSocket(bool replace)
{
    const QSignalBlocker blocker(m_replace);
    m_replace->setChecked(replace);
    m_modeLabel->setText(replace ? tr("WebSocket: qtws") : tr("WebSocket: native (not inspected)"));
}

void MainWindow::showMessage(const QString &message, int timeoutMs)
{
    statusBar()->showMessage(message, timeoutMs);
}
