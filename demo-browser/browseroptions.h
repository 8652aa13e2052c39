// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_BROWSEROPTIONS_H
#define QTWSDEMO_BROWSEROPTIONS_H

#include <qtws/proxyconfiguration.h>

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

/*!
    \class BrowserOptions
    \brief What the command line asks of qtws-demo-browser: the first URL, the proxy
    configuration, the WebSocket replacement, extra allowed origins, DevTools and a screenshot.

    parse() needs no application object, so that main() can read the options (and answer
    \c --help on a machine without a display) before QApplication exists.
    \since 0.2
*/
class BrowserOptions
{
public:
    /*! What main() does after parse(). */
    enum class Outcome {
        Run, //!< start the browser
        Exit, //!< --help or --version was printed: exit with 0
        Error, //!< errorString() says what is wrong: exit with 2
    };

    /*! Reads \a arguments (argv, program name first). */
    static Outcome parse(const QStringList &arguments, BrowserOptions *options, QString *output);

    /*! The page opened first; empty means the bundled chat page on the embedded relay, and the
        scheme \c demo: names a bundled page (\c demo:diagnostics.html). */
    QUrl url;
    /*! --proxy, --pac or --no-proxy as a configuration; mode System when none was given. */
    QtWs::ProxyConfiguration proxyConfiguration;
    /*! False with --no-override: pages keep Qt WebEngine's own WebSocket. */
    bool replaceWebSocket = true;
    /*! --allow-origin values, as given. */
    QStringList allowedOrigins;
    /*! --remote-debugging: the DevTools port (0: not asked for). */
    quint16 remoteDebuggingPort = 0;
    /*! --screenshot: where to save a picture of the window once the page says it is ready. */
    QString screenshotPath;
};

#endif // QTWSDEMO_BROWSEROPTIONS_H
