// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tabwidget.h"

#include "browsertab.h"

#include <QtWidgets/QTabBar>

TabWidget::TabWidget(QWebEngineProfile *profile, QWidget *parent)
    : QTabWidget(parent)
    , m_profile(profile)
{
    setDocumentMode(true);
    setTabsClosable(true);
    setMovable(true);
    tabBar()->setElideMode(Qt::ElideRight);
    connect(this, &QTabWidget::tabCloseRequested, this, &TabWidget::closeTab);
    connect(this, &QTabWidget::currentChanged, this,
        [this](int index) { Q_EMIT currentTabChanged(tab(index)); });
}

BrowserTab *TabWidget::createTab(bool makeCurrent)
{
    auto *tab = new BrowserTab(m_profile, this);
    Q_EMIT tabCreated(tab);
    const int index = addTab(tab, tr("New tab"));
    connect(tab, &QWebEngineView::titleChanged, this, [this, tab](const QString &title) {
        const int i = indexOf(tab);
        setTabText(i, title.isEmpty() ? tab->url().host() : title);
        setTabToolTip(i, title);
    });
    connect(tab, &QWebEngineView::iconChanged, this,
        [this, tab](const QIcon &icon) { setTabIcon(indexOf(tab), icon); });
    if (makeCurrent)
        setCurrentIndex(index);
    return tab;
}

BrowserTab *TabWidget::currentTab() const
{
    return tab(currentIndex());
}

BrowserTab *TabWidget::tab(int index) const
{
    return qobject_cast<BrowserTab *>(widget(index));
}

BrowserTab *TabWidget::tabFor(const QWebEnginePage *page) const
{
    for (int i = 0; i < count(); ++i)
        if (tab(i)->page() == page)
            return tab(i);
    return nullptr;
}

void TabWidget::closeTab(int index)
{
    BrowserTab *closing = tab(index);
    if (!closing)
        return;
    removeTab(index);
    closing->deleteLater();
    if (count() == 0)
        Q_EMIT lastTabClosed();
}
