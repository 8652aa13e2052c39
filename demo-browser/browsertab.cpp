// SPDX-License-Identifier: LGPL-3.0-or-later
#include "browsertab.h"

#include "inspectormodel.h"
#include "tabwidget.h"
#include "webpage.h"

BrowserTab::BrowserTab(QWebEngineProfile *profile, TabWidget *tabs)
    : m_tabs(tabs)
    , m_page(new WebPage(profile, this))
    , m_sockets(new InspectorModel(this))
{
    setPage(m_page);
}

QWebEngineView *BrowserTab::createWindow(QWebEnginePage::WebWindowType type)
{
    return m_tabs->createTab(type != QWebEnginePage::WebBrowserBackgroundTab);
}
