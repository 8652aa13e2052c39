// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_ADDRESSBAR_H
#define QTWSDEMO_ADDRESSBAR_H

#include <QtCore/QUrl>
#include <QtWidgets/QLineEdit>

class UrlHistory;

/*!
    \class AddressBar
    \brief The address bar: shows the current tab's URL, completes what is typed from the
    UrlHistory (anywhere in the URL), and turns what the user entered into a URL
    (QUrl::fromUserInput()).
    \since 0.2
*/
class AddressBar : public QLineEdit
{
    Q_OBJECT
public:
    AddressBar(UrlHistory *history, QWidget *parent = nullptr);

    /*! Shows \a url, unless the user is typing. */
    void showUrl(const QUrl &url);
    /*! Focuses the bar with its text selected (Ctrl+L). */
    void activate();

Q_SIGNALS:
    void urlEntered(const QUrl &url);
};

#endif // QTWSDEMO_ADDRESSBAR_H
