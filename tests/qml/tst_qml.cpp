// SPDX-License-Identifier: LGPL-3.0-or-later
// Qt Quick Test entry point of tst_websocket.qml: starts the peers the QML tests talk to (Qt's
// QWebSocketServer echoing, with a subprotocol; tinyproxy with Debian's configuration; tinyproxy
// allowing CONNECT to port 443 only) and hands their URLs to QML as the context property "peers".
#include "echoserver.h"
#include "tinyproxy.h"

#include <QtCore/QObject>
#include <QtCore/QVariantMap>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>

#include <memory>

class Setup : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable()
    {
        m_echo = std::make_unique<QtWs::Test::EchoServer>();
        m_echo->setSupportedSubprotocols({QStringLiteral("qtws.test")});
        if (!m_echo->listen()) {
            m_error = QStringLiteral("the echo server could not listen on 127.0.0.1");
            return;
        }
        m_proxy = std::make_unique<QtWs::Test::Tinyproxy>();
        m_strictProxy = std::make_unique<QtWs::Test::Tinyproxy>();
        m_strictProxy->setConnectPorts({443, 563});
        for (QtWs::Test::Tinyproxy *proxy : {m_proxy.get(), m_strictProxy.get()}) {
            if (!proxy->start()) {
                m_error = QStringLiteral("tinyproxy did not start: ") + proxy->errorString();
                return;
            }
        }
    }

    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // The module as built: <build>/qml/Qtws.
        engine->addImportPath(QStringLiteral(QTWS_BINARY_DIR "/qml"));
        QVariantMap peers {{QStringLiteral("error"), m_error}};
        if (m_error.isEmpty()) {
            peers.insert(QStringLiteral("echoUrl"), m_echo->url());
            peers.insert(QStringLiteral("proxyUrl"), m_proxy->url().toString());
            peers.insert(QStringLiteral("proxyPac"),
                QStringLiteral("PROXY 127.0.0.1:%1").arg(m_proxy->port()));
            peers.insert(QStringLiteral("strictProxyUrl"), m_strictProxy->url().toString());
        }
        engine->rootContext()->setContextProperty(QStringLiteral("peers"), peers);
    }

    void cleanupTestCase()
    {
        m_strictProxy.reset();
        m_proxy.reset();
        m_echo.reset();
    }

private:
    QString m_error;
    std::unique_ptr<QtWs::Test::EchoServer> m_echo;
    std::unique_ptr<QtWs::Test::Tinyproxy> m_proxy;
    std::unique_ptr<QtWs::Test::Tinyproxy> m_strictProxy;
};

QUICK_TEST_MAIN_WITH_SETUP(tst_qml, Setup)

#include "tst_qml.moc"
