// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CATSESSION_H
#define QTWS_CATSESSION_H

#include "credentialprompt.h"
#include "exitcode.h"

#include <qtws/websocket.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QSet>

#include <chrono>
#include <memory>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

/*!
    \class CatSession
    \brief One qtws-cat run over a QtWs::WebSocket: interactive (stdin lines out, messages to
    stdout), --exchange (one message each way) or --echo (every message back). Quits the application
    with the exit code (QtWs::Tools::ExitCode). With verbose settings it prints the connection
    report as it grows: the proxy decision, each attempt as it starts and as it ends, then the
    whole report.
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
        std::chrono::milliseconds timeout {0}; // whole run, connecting included; 0 = none
        QString reportJsonPath; // --report-json: written when the run ends
    };

    CatSession(const Settings &settings, QObject *parent = nullptr);
    ~CatSession() override;

    void start(const QNetworkRequest &request, const QtWs::WebSocketOptions &options);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onConnected();
    void onDisconnected();
    void onAttemptStarted(const QtWs::ConnectAttempt &attempt);
    void onAttemptFinished(const QtWs::ConnectAttempt &attempt);
    void printDecision(const QtWs::ConnectReport &report);
    void printReport();
    void onError(QtWs::WebSocket::Error error);
    void onText(const QString &message);
    void onBinary(const QByteArray &message);
    void onStdin();
    void printHandshake();
    void quit(QtWs::Tools::ExitCode code, const QString &reason = QString());

    Settings m_settings;
    QtWs::WebSocket m_socket;
    QtWs::Tools::CredentialPrompt m_prompt;
    QElapsedTimer m_sinceStart;
    std::unique_ptr<QSocketNotifier> m_stdin;
    QByteArray m_stdinBuffer;
    QBasicTimer m_timeout;
    bool m_wasOpen = false;
    bool m_gotMessage = false;
    QSet<qsizetype> m_announcedEnds; // attempts whose end -v printed
    bool m_printedDecision = false;
    bool m_printedReport = false;
    bool m_done = false;
};

#endif // QTWS_CATSESSION_H
