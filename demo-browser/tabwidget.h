// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_TABWIDGET_H
#define QTWSDEMO_TABWIDGET_H

#include <QtCore/QUrl>
#include <QtWidgets/QTabWidget>

QT_BEGIN_NAMESPACE
class QWebEnginePage;
class QWebEngineProfile;
QT_END_NAMESPACE

class BrowserTab;

/*!
    \class TabWidget
    \brief The tabs: each a BrowserTab on the browser's profile, titled with its page's title
    and icon; closing the last tab closes the window.
    \since 0.2
*/
class TabWidget : public QTabWidget
{
    Q_OBJECT
public:
    TabWidget(QWebEngineProfile *profile, QWidget *parent = nullptr);

    /*! A new empty tab, made current when \a makeCurrent. */
    BrowserTab *createTab(bool makeCurrent = true);
    BrowserTab *currentTab() const;
    BrowserTab *tab(int index) const;
    /*! The tab showing \a page, or null. */
    BrowserTab *tabFor(const QWebEnginePage *page) const;
    void closeTab(int index);

Q_SIGNALS:
    /*! A tab was created (before it loads anything): the browser installs the bridge. */
    void tabCreated(BrowserTab *tab);
    void currentTabChanged(BrowserTab *tab);
    /*! The last tab was closed. */
    void lastTabClosed();

private:
    QWebEngineProfile *const m_profile;
};

#endif // QTWSDEMO_TABWIDGET_H
