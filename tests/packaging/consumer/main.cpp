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

    // qtws fails closed: a proxy configuration it cannot evaluate (a PAC script that throws) ends
    // in a typed error and a report, never in a direct connection (no network traffic here).
    QtWs::ProxyConfiguration pac = QtWs::ProxyConfiguration::pac(QUrl(QStringLiteral(
        "data:application/x-ns-proxy-autoconfig,function FindProxyForURL(u, h) { throw 'x'; }")));
    pac.setProxyLoopback(true);
    QtWs::WebSocketOptions options;
    options.setProxyConfiguration(pac);
    QtWs::WebSocket socket;
    QtWs::WebSocket::Error error = QtWs::WebSocket::Error::NoError;
    QEventLoop loop;
    QObject::connect(
        &socket, &QtWs::WebSocket::errorOccurred, &loop, [&](QtWs::WebSocket::Error e) {
            error = e;
            loop.quit();
        });
    socket.open(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:9/"))), options);
    loop.exec();
    std::printf("%s", qPrintable(socket.connectReport().toText()));
    return error == QtWs::WebSocket::Error::ProxyResolutionFailed
            && socket.state() == QtWs::WebSocket::State::Unconnected
        ? 0
        : 1;
}
