// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TESTS_BROWSERTEST_H
#define QTWS_TESTS_BROWSERTEST_H

#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtWebEngineCore/QWebEnginePage>

// Helpers shared by the browser tests (and the bridge benchmark): the node peer, and pages that
// report through their title.
namespace BrowserTest {

/*! Environment Qt WebEngine needs before the application object exists: offscreen, no sandbox
    as root, gc() exposed, and DevTools on \a devToolsPort when it is not 0. */
void prepareEnvironment(quint16 devToolsPort = 0);
/*! A free loopback port (bound, then released). */
quint16 freePort();

/*! tests/browser/bridgepeer.js: pages and WebSocket endpoints on two loopback origins. */
class Peer
{
public:
    ~Peer();
    /*! Starts the peer; pages come from \a pagesDir (tests/browser/pages by default). */
    bool start(QString *error, const QString &pagesDir = QString());
    quint16 sitePort = 0;
    quint16 foreignPort = 0;
    quint16 closedPort = 0;
    quint16 restrictedPort = 0; // a port Chromium refuses, with an echo endpoint behind it
    QUrl site(const QString &pathAndQuery) const;
    QUrl foreign(const QString &pathAndQuery) const;

private:
    QProcess m_process;
};

/*! A page that logs console messages when QTWS_TEST_CONSOLE is set. */
class Page : public QWebEnginePage
{
public:
    using QWebEnginePage::QWebEnginePage;

protected:
    void javaScriptConsoleMessage(JavaScriptConsoleMessageLevel level, const QString &message,
        int line, const QString &source) override;
};

/*! Loads \a url and waits until the page's title is \a title (or a timeout). */
bool loadAndWaitForTitle(
    QWebEnginePage *page, const QUrl &url, const QString &title, int timeoutMs);
/*! Waits until the title is \a title. */
bool waitForTitle(QWebEnginePage *page, const QString &title, int timeoutMs);
/*! Runs \a script in the main world and returns its result. */
QVariant evaluate(QWebEnginePage *page, const QString &script, int timeoutMs = 10000);

/*! window.probeResult of pages/probe.html (once its title is "done"): {top, frame}. */
QJsonObject probeResult(QWebEnginePage *page);
/*!
    Compares probeResult() with what the bridge should give: the top frame the class
    (\a topBridged) and the replacement of window.WebSocket (\a topReplaced); the iframe, when
    \a withFrame, both or neither (\a frameBridged). No frame ever sees the channel transport.
    Empty when it matches, else the differences.
*/
QString probeMismatch(const QJsonObject &report, bool topBridged, bool topReplaced,
    bool withFrame = false, bool frameBridged = false);

} // namespace BrowserTest

#endif // QTWS_TESTS_BROWSERTEST_H
