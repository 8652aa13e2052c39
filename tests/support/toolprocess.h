// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TOOLPROCESS_H
#define QTWS_TOOLPROCESS_H

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <chrono>

namespace QtWs::Test {

/*! How a tool run ended: its exit status (-1 when it crashed or did not end) and its output. */
struct ToolRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    /*! "exit N\nstdout: ...\nstderr: ..." for failure messages. */
    QByteArray describe() const;
};

/*!
    The process environment without any proxy setting (http_proxy, https_proxy, all_proxy,
    no_proxy in both cases, QTWS_PAC_URL) and without the desktop markers that make the resolver
    read GNOME or KDE settings: a tool run then sees "no proxy configured" unless the test adds
    something.
*/
QProcessEnvironment environmentWithoutProxies();

/*!
    \class QtWs::Test::ToolProcess
    \brief One of the tools (qtws-cat, qtws-probe) run as a process, with the event loop running
    while it works (the test's servers live in the test's thread). Optionally with a
    pseudo-terminal as standard input, for the credential prompt.
*/
class ToolProcess
{
public:
    explicit ToolProcess(const QString &program);
    ~ToolProcess();
    ToolProcess(const ToolProcess &) = delete;
    ToolProcess &operator=(const ToolProcess &) = delete;

    void setEnvironment(const QProcessEnvironment &environment);
    /*! Makes standard input a pseudo-terminal (call before start()); false if none is available. */
    bool useTerminal();
    void start(const QStringList &arguments);
    /*! Writes to standard input (a pipe), or types into the terminal. */
    void write(const QByteArray &data);
    void closeInput();
    /*! Waits (event loop running) until standard error holds \a text; false after \a timeout. */
    bool waitForError(QByteArrayView text, std::chrono::milliseconds timeout);
    /*! What the terminal displayed so far (the echo of what was typed). */
    QByteArray terminalOutput();
    /*! Waits for the end (killing the tool after \a timeout) and returns how it went. */
    ToolRun finish(std::chrono::milliseconds timeout);

private:
    QProcess m_process;
    QByteArray m_err;
    QByteArray m_terminalOutput;
    int m_terminal = -1; // the master side
    int m_terminalSlave = -1;
};

/*! Runs \a program with \a arguments to its end: \a input on stdin, then end of input unless
    \a keepInputOpen. */
ToolRun runTool(const QString &program, const QStringList &arguments,
    const QProcessEnvironment &environment = environmentWithoutProxies(),
    const QByteArray &input = QByteArray(), bool keepInputOpen = false,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace QtWs::Test

#endif // QTWS_TOOLPROCESS_H
