// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_BROWSERTAB_H
#define QTWSDEMO_BROWSERTAB_H

#include <QtWebEngineWidgets/QWebEngineView>

class InspectorModel;
class TabWidget;
class WebPage;

/*!
    \class BrowserTab
    \brief One tab: a QWebEngineView on a WebPage, with the InspectorModel of the qtws sockets
    its pages opened. Pages that open a window (target="_blank", window.open()) get a new tab.
    \since 0.2
*/
class BrowserTab : public QWebEngineView
{
    Q_OBJECT
public:
    BrowserTab(QWebEngineProfile *profile, TabWidget *tabs);

    WebPage *webPage() const { return m_page; }
    InspectorModel *sockets() const { return m_sockets; }

protected:
    QWebEngineView *createWindow(QWebEnginePage::WebWindowType type) override;

private:
    TabWidget *const m_tabs;
    WebPage *const m_page;
    InspectorModel *const m_sockets;
};

#endif // QTWSDEMO_BROWSERTAB_H
