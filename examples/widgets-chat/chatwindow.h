// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_EXAMPLE_CHATWINDOW_H
#define QTWS_EXAMPLE_CHATWINDOW_H

#include <qtws/websocket.h>

#include <QtWidgets/QWidget>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QLabel;

/*
    The chat window: a URL and a Connect button, the log, a message line. The socket follows the
    user's proxy configuration; when a connection ends in an error the log shows the connection
    report, which says what each proxy answered.
*/
class ChatWindow : public QWidget
{
    Q_OBJECT
public:
    explicit ChatWindow(const QString &url, QWidget *parent = nullptr);

private:
    void toggleConnection();
    void send();
    void onStateChanged(QtWs::WebSocket::State state);
    void log(const QString &line);

    QtWs::WebSocket *m_socket;
    QLineEdit *m_url;
    QPushButton *m_connect;
    QPlainTextEdit *m_log;
    QLineEdit *m_message;
    QLabel *m_status;
};

#endif // QTWS_EXAMPLE_CHATWINDOW_H
