// SPDX-License-Identifier: LGPL-3.0-or-later
#include "browsertest.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>
#include <QtWebEngineCore/QWebEngineScript>

#include <unistd.h>

namespace BrowserTest {

void prepareEnvironment(quint16 devToolsPort)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    // Chromium's sandbox refuses to run as root (CI runs as root).
    if (::geteuid() == 0)
        qputenv("QTWEBENGINE_DISABLE_SANDBOX", "1");
    QByteArray flags = qgetenv("QTWEBENGINE_CHROMIUM_FLAGS");
    if (!flags.contains("expose-gc"))
        flags += " --js-flags=--expose-gc";
    if (::geteuid() == 0 && !flags.contains("--no-sandbox"))
        flags += " --no-sandbox";
    qputenv("QTWEBENGINE_CHROMIUM_FLAGS", flags.trimmed());
    if (devToolsPort)
        qputenv("QTWEBENGINE_REMOTE_DEBUGGING", "127.0.0.1:" + QByteArray::number(devToolsPort));
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

Peer::~Peer()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(3000)) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }
}

bool Peer::start(QString *error, const QString &pagesDir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NODE_PATH"), QStringLiteral(QTWS_PEERS_DIR "/node_modules"));
    m_process.setProcessEnvironment(env);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QStringList arguments {QStringLiteral(QTWS_BROWSER_TESTS_DIR "/bridgepeer.js")};
    if (!pagesDir.isEmpty())
        arguments.append(pagesDir);
    m_process.start(QStringLiteral(QTWS_NODE_EXECUTABLE), arguments);
    if (!m_process.waitForStarted(10000)) {
        *error = QStringLiteral("node did not start: ") + m_process.errorString();
        return false;
    }
    QDeadlineTimer deadline(20000);
    while (!m_process.canReadLine() && !deadline.hasExpired())
        m_process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    const QJsonObject ready
        = QJsonDocument::fromJson(m_process.readLine()).object().value(u"ready").toObject();
    sitePort = quint16(ready.value(u"site").toInt());
    foreignPort = quint16(ready.value(u"foreign").toInt());
    closedPort = quint16(ready.value(u"closed").toInt());
    restrictedPort = quint16(ready.value(u"restricted").toInt());
    if (!sitePort || !foreignPort) {
        *error = QStringLiteral("the peer did not report its ports (npm ci in tests/peers?)");
        return false;
    }
    return true;
}

QUrl Peer::site(const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(sitePort).arg(pathAndQuery));
}

QUrl Peer::foreign(const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(foreignPort).arg(pathAndQuery));
}

void Page::javaScriptConsoleMessage(
    JavaScriptConsoleMessageLevel, const QString &message, int line, const QString &source)
{
    if (qEnvironmentVariableIsSet("QTWS_TEST_CONSOLE"))
        qInfo("console: %s (%s:%d)", qUtf8Printable(message), qUtf8Printable(source), line);
}

bool waitForTitle(QWebEnginePage *page, const QString &title, int timeoutMs)
{
    // A real event loop, woken by the title: QTest::qWait() sleeps 10 ms between event rounds,
    // which would add up to 10 ms to every message the page sends to C++.
    if (page->title() == title)
        return true;
    QEventLoop loop;
    QObject::connect(page, &QWebEnginePage::titleChanged, &loop, [&](const QString &t) {
        if (t == title)
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return page->title() == title;
}

bool loadAndWaitForTitle(QWebEnginePage *page, const QUrl &url, const QString &title, int timeoutMs)
{
    page->load(url);
    return waitForTitle(page, title, timeoutMs);
}

QVariant evaluate(QWebEnginePage *page, const QString &script, int timeoutMs)
{
    QVariant result;
    QEventLoop loop;
    QPointer<QEventLoop> guard(&loop);
    page->runJavaScript(script, QWebEngineScript::MainWorld, [&result, guard](const QVariant &v) {
        if (!guard)
            return;
        result = v;
        guard->quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return result;
}

QJsonObject probeResult(QWebEnginePage *page)
{
    return QJsonDocument::fromJson(
        evaluate(page, QStringLiteral("JSON.stringify(window.probeResult)")).toString().toUtf8())
        .object();
}

namespace {
QStringList frameMismatch(
    const QString &name, const QJsonObject &frame, bool bridged, bool replaced)
{
    if (frame.isEmpty())
        return {name + QStringLiteral(" did not answer")};
    const auto type = [](bool present) {
        return present ? QStringLiteral("object") : QStringLiteral("undefined");
    };
    QStringList differences;
    if (frame.value(u"transport").toBool())
        differences << name + QStringLiteral(": the channel transport is visible");
    if (frame.value(u"QtWs").toString() != type(bridged))
        differences << name + QStringLiteral(": QtWs is ") + frame.value(u"QtWs").toString();
    if (frame.value(u"qtws").toString() != type(replaced))
        differences << name + QStringLiteral(": WebSocket.qtws is ")
                + frame.value(u"qtws").toString();
    if (frame.value(u"nativeWebSocket").toBool() == replaced)
        differences << name + QStringLiteral(": window.WebSocket is ")
                + (replaced ? QStringLiteral("native") : QStringLiteral("not native"));
    return differences;
}
} // namespace

QString probeMismatch(
    const QJsonObject &report, bool topBridged, bool topReplaced, bool withFrame, bool frameBridged)
{
    QStringList differences = frameMismatch(
        QStringLiteral("top"), report.value(u"top").toObject(), topBridged, topReplaced);
    if (withFrame)
        differences += frameMismatch(QStringLiteral("iframe"), report.value(u"frame").toObject(),
            frameBridged, frameBridged);
    return differences.join(QStringLiteral("; "));
}

} // namespace BrowserTest
