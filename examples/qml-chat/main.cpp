// SPDX-License-Identifier: LGPL-3.0-or-later
// A QML chat client: Main.qml uses the WebSocket type of "import Qtws" (the QML module, docs/qml.md);
// this file only loads it.
//   qtws-example-qml-chat [ws://host:port/chat]
#include <QtGui/QGuiApplication>
#include <QtQml/QQmlApplicationEngine>
#include <QtQml/QQmlContext>

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    QQmlApplicationEngine engine;
#ifdef QTWS_QML_IMPORT_DIR
    engine.addImportPath(QStringLiteral(QTWS_QML_IMPORT_DIR));
#endif
    engine.rootContext()->setContextProperty(QStringLiteral("initialUrl"),
        app.arguments().value(1, QStringLiteral("ws://127.0.0.1:8080/chat")));
    QObject::connect(
        &engine, &QQmlApplicationEngine::objectCreated, &app,
        [](QObject *root) {
            if (!root)
                QCoreApplication::exit(1);
        },
        Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/qmlchat/Main.qml")));
    return app.exec();
}
