// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-demo-browser: a Qt WebEngine browser whose page WebSockets go through qtws
// (docs/demo-browser.md). main() only wires: options, environment, application, browser.
#include "browser.h"
#include "browseroptions.h"
#include "launchenvironment.h"
#include "mainwindow.h"
#include "screenshottaker.h"

#include <qtws/global.h>
#include <qtws/webbridge.h>

#include <QtWidgets/QApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    BrowserOptions options;
    QString output;
    switch (BrowserOptions::parse(arguments, &options, &output)) {
    case BrowserOptions::Outcome::Exit:
        std::fputs(qPrintable(output), stdout);
        return 0;
    case BrowserOptions::Outcome::Error:
        std::fputs(qPrintable(output), stderr);
        return 2;
    case BrowserOptions::Outcome::Run:
        break;
    }
    if (const QString problem = LaunchEnvironment::problem(); !problem.isEmpty()) {
        std::fputs(qPrintable(problem), stderr);
        return 2;
    }
    LaunchEnvironment::prepare(options);
    QtWs::WebBridge::registerUrlScheme(); // before the application object, as Qt WebEngine wants
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("qtws-demo-browser"));
    QApplication::setApplicationVersion(QString::fromLatin1(QtWs::version()));

    Browser browser(options);
    QString error;
    if (!browser.start(&error)) {
        std::fprintf(stderr, "qtws-demo-browser: %s\n", qPrintable(error));
        return 1;
    }
    ScreenshotTaker screenshot(browser.window(), options.screenshotPath);
    if (!options.screenshotPath.isEmpty())
        screenshot.start();
    return app.exec();
}
