// SPDX-License-Identifier: LGPL-3.0-or-later
// Connects to a WebSocket URL the way the user's system says (environment, GNOME or KDE settings,
// PAC, WPAD: nothing to configure), then prints the connection report: the proxy decision, every
// attempt and the result. Exit status 0 when it connected.
//   qtws-example-console-report wss://echo.example/socket
#include <qtws/websocket.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 2) {
        QTextStream(stderr) << "usage: " << args.first() << " ws://host[:port]/path\n";
        return 2;
    }
    QtWs::WebSocket socket;
    // Every attempt as it ends, then the whole report.
    QObject::connect(&socket, &QtWs::WebSocket::connectAttemptFinished, &app,
        [](const QtWs::ConnectAttempt &attempt) {
            QTextStream(stdout) << "attempt: " << QtWs::strategyName(attempt.strategy()) << " via "
                                << attempt.candidate().toPacString() << ": " << attempt.reason()
                                << Qt::endl;
        });
    QObject::connect(&socket, &QtWs::WebSocket::connected, &app, [&socket] {
        QTextStream(stdout) << socket.connectReport().toText() << Qt::endl;
        socket.close();
    });
    QObject::connect(&socket, &QtWs::WebSocket::disconnected, &app, [&socket] {
        if (socket.error() != QtWs::WebSocket::Error::NoError)
            QTextStream(stdout) << socket.connectReport().toText() << Qt::endl;
        QCoreApplication::exit(socket.connectReport().isConnected() ? 0 : 1);
    });
    socket.open(QUrl(args.at(1)));
    return app.exec();
}
