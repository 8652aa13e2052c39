// SPDX-License-Identifier: LGPL-3.0-or-later
// A Qt Widgets chat client on QtWs::WebSocket: each line typed is a text message, each message
// received a line of the log; the status bar says how the connection got through.
//   qtws-example-widgets-chat [ws://host:port/chat]
#include "chatwindow.h"

#include <QtWidgets/QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    ChatWindow window(app.arguments().value(1, QStringLiteral("ws://127.0.0.1:8080/chat")));
    window.show();
    return app.exec();
}
