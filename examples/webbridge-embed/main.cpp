// SPDX-License-Identifier: LGPL-3.0-or-later
// An existing QWebEngineView application; the lines marked "qtws" give its pages qtws's WebSocket.
//   qtws-example-webbridge-embed https://chat.example/
#include <qtws/webbridge.h>

#include <QtWebEngineWidgets/QWebEngineView>
#include <QtWidgets/QApplication>

int main(int argc, char **argv)
{
    QtWs::WebBridge::registerUrlScheme(); // qtws: before the application object
    QApplication app(argc, argv);
    const QUrl url(app.arguments().value(1, QStringLiteral("https://chat.example/")));
    QWebEngineView view;
    QtWs::WebBridge bridge; // qtws
    bridge.setAllowedOrigins({url.toString()}); // qtws: its scheme, host and port count
    bridge.setReplaceWebSocket(true); // qtws: window.WebSocket is qtws's in this origin
    bridge.install(view.page()); // qtws
    view.load(url);
    view.show();
    return app.exec();
}
