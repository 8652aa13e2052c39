// SPDX-License-Identifier: LGPL-3.0-or-later
#include "launchenvironment.h"

#include "browseroptions.h"
#include "proxysettings.h"

#include <unistd.h>

QString LaunchEnvironment::problem()
{
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    const bool needsDisplay
        = platform.isEmpty() || platform.startsWith("xcb") || platform.startsWith("wayland");
    if (needsDisplay && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        return QStringLiteral(
            "qtws-demo-browser: there is no display to show the window on (DISPLAY and "
            "WAYLAND_DISPLAY are not set). Either:\n"
            "  - run it under a virtual X server:  xvfb-run -a -s '-screen 0 1400x900x24' "
            "qtws-demo-browser [options]\n"
            "  - or without any window:  QT_QPA_PLATFORM=offscreen qtws-demo-browser "
            "--remote-debugging 9222 [options]\n"
            "    then open http://127.0.0.1:9222 in a browser to see and use its pages\n"
            "  - scripts/screenshots.sh takes pictures of it under Xvfb.\n");
    }
    if (::geteuid() == 0 && qEnvironmentVariableIsEmpty("QTWEBENGINE_DISABLE_SANDBOX")
        && !qgetenv("QTWEBENGINE_CHROMIUM_FLAGS").contains("--no-sandbox")) {
        return QStringLiteral(
            "qtws-demo-browser: running as root, where Chromium's sandbox cannot run. Run it as a "
            "normal user, or disable the sandbox with QTWEBENGINE_DISABLE_SANDBOX=1 (scripts/"
            "run-demo.sh does so when it runs as root).\n");
    }
    return QString();
}

void LaunchEnvironment::prepare(const BrowserOptions &options)
{
    if (options.remoteDebuggingPort)
        qputenv("QTWEBENGINE_REMOTE_DEBUGGING",
            "127.0.0.1:" + QByteArray::number(options.remoteDebuggingPort));
    const QByteArray switches = ProxySettings::startupSwitches(options.proxyConfiguration);
    if (!switches.isEmpty())
        qputenv("QTWEBENGINE_CHROMIUM_FLAGS",
            QByteArray(qgetenv("QTWEBENGINE_CHROMIUM_FLAGS") + ' ' + switches).trimmed());
}

QString LaunchEnvironment::devToolsAddress()
{
    const QString value = qEnvironmentVariable("QTWEBENGINE_REMOTE_DEBUGGING");
    if (value.isEmpty())
        return QString();
    return value.contains(u':') ? value : QStringLiteral("127.0.0.1:") + value;
}
