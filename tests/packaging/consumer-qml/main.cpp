// SPDX-License-Identifier: LGPL-3.0-or-later
// A consumer of the installed QML module: "import Qtws" from the import directory given as the first
// argument, a WebSocket created with an invalid property (an unknown strategy) and activated. The
// installed plugin must load (and find libqtws) and report the error as the QML type does.
#include <QtCore/QCoreApplication>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>

#include <cstdio>
#include <memory>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (app.arguments().size() != 2) {
        std::fprintf(stderr, "usage: qtws_qml_consumer QML_IMPORT_DIR\n");
        return 2;
    }
    QQmlEngine engine;
    engine.addImportPath(app.arguments().at(1));
    QQmlComponent component(&engine);
    component.setData("import Qtws\nWebSocket { url: \"ws://127.0.0.1:9/\"; strategies: [\"nope\"] }",
        QUrl(QStringLiteral("inline.qml")));
    std::unique_ptr<QObject> socket(component.create());
    if (!socket) {
        std::fprintf(stderr, "%s\n", qPrintable(component.errorString()));
        return 1;
    }
    socket->setProperty("active", true);
    const QString error = socket->property("errorString").toString();
    std::printf("status %d: %s\n", socket->property("status").toInt(), qPrintable(error));
    return socket->property("status").toInt() == 4 && error.contains(QStringLiteral("nope")) ? 0 : 1;
}
