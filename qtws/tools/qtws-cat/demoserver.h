// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_DEMOSERVER_H
#define QTWS_DEMOSERVER_H

#include <qtws/websocket.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>

#include <functional>

QT_BEGIN_NAMESPACE
class QWebSocketServer;
QT_END_NAMESPACE
class CodecEchoServer;

/*!
    \class DemoRun
    \brief qtws-cat --demo: an embedded loopback echo server (Qt's QWebSocketServer), a
    QtWs::WebSocket that connects to it with no proxy (asked explicitly), the handshake and a few
    round trips printed, a clean close.
*/
class DemoRun : public QObject
{
    Q_OBJECT
public:
    explicit DemoRun(bool verbose, QObject *parent = nullptr);
    ~DemoRun() override;

    /*! Starts the server and the client; the application exits with 0 when the demo completed. */
    bool start();

private:
    void connectPlainSocket();
    void connectCompressedSocket();
    void step();
    void expectEcho(const QString &label, const QByteArray &payload, bool text);
    void fail(const QString &reason);
    void startCompressedPart();
    void finish();

    QWebSocketServer *m_server = nullptr;
    CodecEchoServer *m_codecServer = nullptr;
    QtWs::WebSocket m_socket;
    QtWs::WebSocket m_compressed;
    qint64 m_wireBytesBefore = 0;
    QElapsedTimer m_clock;
    int m_step = 0;
    bool m_verbose = false;
    bool m_done = false;
    QByteArray m_expected;
    bool m_expectText = true;
    QString m_label;
};

#endif // QTWS_DEMOSERVER_H
