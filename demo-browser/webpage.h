// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_WEBPAGE_H
#define QTWSDEMO_WEBPAGE_H

#include <QtCore/QLoggingCategory>
#include <QtWebEngineCore/QWebEnginePage>

Q_DECLARE_LOGGING_CATEGORY(lcQtwsDemoConsole)

/*!
    \class WebPage
    \brief A page of the demo: JavaScript console messages go to the \c qtws.demo.console
    logging category (QT_LOGGING_RULES="qtws.demo.console.debug=true"). JavaScript dialogs
    (alert, confirm, prompt) are Qt WebEngine's own, shown over the view.
    \since 0.2
*/
class WebPage : public QWebEnginePage
{
    Q_OBJECT
public:
    using QWebEnginePage::QWebEnginePage;

protected:
    void javaScriptConsoleMessage(JavaScriptConsoleMessageLevel level, const QString &message,
        int line, const QString &source) override;
};

#endif // QTWSDEMO_WEBPAGE_H
