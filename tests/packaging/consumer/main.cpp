// SPDX-License-Identifier: LGPL-3.0-or-later
// A consumer of the installed package: includes public headers and calls into the shared library.
#include <qtws/global.h>
#include <qtws/websocket.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>

#include <cstdio>
#include <cstring>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const char *v = QtWs::version();
    std::printf("qtws %s\n", v);
    if (std::strlen(v) == 0)
        return 1;

    // A WebSocket with default options never connects on its own: proxy resolution is not available
    // yet, so open() fails with a typed error instead of going DIRECT (no network traffic happens
    // here).
    QtWs::WebSocket socket;
    QtWs::WebSocket::Error error = QtWs::WebSocket::Error::NoError;
    QEventLoop loop;
    QObject::connect(
        &socket, &QtWs::WebSocket::errorOccurred, &loop, [&](QtWs::WebSocket::Error e) {
            error = e;
            loop.quit();
        });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:9/")));
    loop.exec();
    std::printf("open without a proxy decision: %s\n", qPrintable(socket.errorString()));
    return error == QtWs::WebSocket::Error::ProxyResolutionUnavailable
            && socket.state() == QtWs::WebSocket::State::Unconnected
        ? 0
        : 1;
}
