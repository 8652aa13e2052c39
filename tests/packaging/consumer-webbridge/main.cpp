// SPDX-License-Identifier: LGPL-3.0-or-later
// A consumer of the installed WebBridge component: find_package(Qtws COMPONENTS WebBridge) gives
// Qtws::WebBridge with its public header and Qt WebEngine as a dependency. No page is created (that
// needs a GPU-less Chromium start-up, covered by tests/browser); the configuration API is called.
#include <qtws/webbridge.h>

#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QtWs::WebBridge::registerUrlScheme();
    QCoreApplication app(argc, argv);
    QtWs::WebBridge bridge;
    bridge.setAllowedOrigins({QStringLiteral("https://chat.example:8443/ignored/path")});
    std::printf("allowed: %s, scheme %s\n", qPrintable(bridge.allowedOrigins().join(u',')),
        QtWs::WebBridge::urlSchemeName().constData());
    return bridge.isOriginAllowed(QUrl(QStringLiteral("https://chat.example:8443/x")))
            && !bridge.isOriginAllowed(QUrl(QStringLiteral("https://chat.example/")))
        ? 0
        : 1;
}
