// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CATSESSION_H
#define QTWS_CATSESSION_H

#include <qtws/websocket.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QObject>

#include <chrono>
#include <memory>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

/*!
    \class CatSession
    \brief One qtws-cat run over a QtWs::WebSocket: interactive (stdin lines out, messages to
    stdout), --exchange (one message each way) or --echo (every message back). Quits the application
    with the exit code.
*/
class CatSession : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Interactive, Exchange, Echo };

    struct Settings
    {
        Mode mode = Mode::Interactive;
        bool binary = false;
        bool verbose = false;
        QByteArray exchangePayload;
        std::chrono::milliseconds timeout {0}; // whole run (Exchange); 0 = none
    };

    CatSession(const Settings &settings, QObject *parent = nullptr);
    ~CatSession() override;

    void start(const QNetworkRequest &request, const QtWs::WebSocketOptions &options);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onConnected();
    void onDisconnected();
    void onError(QtWs::WebSocket::Error error);
    void onText(const QString &message);
    void onBinary(const QByteArray &message);
    void onStdin();
    void printHandshake();
    void quit(int code, const QString &reason = QString());

    Settings m_settings;
    QtWs::WebSocket m_socket;
    std::unique_ptr<QSocketNotifier> m_stdin;
    QByteArray m_stdinBuffer;
    QBasicTimer m_timeout;
    bool m_wasOpen = false;
    bool m_gotMessage = false;
    bool m_done = false;
};

#endif // QTWS_CATSESSION_H
