// SPDX-License-Identifier: LGPL-3.0-or-later
#include "toolprocess.h"

#include <QtTest/QTest>

#include <cerrno>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

namespace QtWs::Test {

QByteArray ToolRun::describe() const
{
    return "exit " + QByteArray::number(exitCode) + "\nstdout: " + out + "\nstderr: " + err;
}

QProcessEnvironment environmentWithoutProxies()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name :
        {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ws_proxy", "wss_proxy"}) {
        environment.remove(QString::fromLatin1(name));
        environment.remove(QString::fromLatin1(name).toUpper());
    }
    for (const char *name : {"QTWS_PAC_URL", "XDG_CURRENT_DESKTOP", "KDE_FULL_SESSION",
             "DESKTOP_SESSION", "GNOME_DESKTOP_SESSION_ID"})
        environment.remove(QString::fromLatin1(name));
    return environment;
}

ToolProcess::ToolProcess(const QString &program)
{
    m_process.setProgram(program);
    m_process.setProcessEnvironment(environmentWithoutProxies());
}

ToolProcess::~ToolProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    if (m_terminal >= 0)
        ::close(m_terminal);
    if (m_terminalSlave >= 0)
        ::close(m_terminalSlave);
}

void ToolProcess::setEnvironment(const QProcessEnvironment &environment)
{
    m_process.setProcessEnvironment(environment);
}

bool ToolProcess::useTerminal()
{
    m_terminal = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (m_terminal < 0 || ::grantpt(m_terminal) != 0 || ::unlockpt(m_terminal) != 0)
        return false;
    const char *name = ::ptsname(m_terminal);
    m_terminalSlave = name ? ::open(name, O_RDWR | O_NOCTTY) : -1;
    if (m_terminalSlave < 0)
        return false;
    ::fcntl(m_terminal, F_SETFL, ::fcntl(m_terminal, F_GETFL) | O_NONBLOCK);
    const int slave = m_terminalSlave;
    // In the child, after QProcess set up its pipes: standard input is the terminal.
    m_process.setChildProcessModifier([slave] { ::dup2(slave, STDIN_FILENO); });
    return true;
}

void ToolProcess::start(const QStringList &arguments)
{
    m_process.setArguments(arguments);
    m_process.start();
    m_process.waitForStarted(10000);
}

void ToolProcess::write(const QByteArray &data)
{
    if (m_terminal >= 0) {
        qsizetype done = 0;
        while (done < data.size()) {
            const ssize_t n
                = ::write(m_terminal, data.constData() + done, size_t(data.size() - done));
            if (n < 0 && errno != EINTR && errno != EAGAIN)
                return;
            done += n > 0 ? n : 0;
        }
        return;
    }
    m_process.write(data);
}

void ToolProcess::closeInput()
{
    m_process.closeWriteChannel();
}

QByteArray ToolProcess::terminalOutput()
{
    if (m_terminal < 0)
        return {};
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(m_terminal, buffer, sizeof buffer)) > 0)
        m_terminalOutput.append(buffer, n);
    return m_terminalOutput;
}

bool ToolProcess::waitForError(QByteArrayView text, std::chrono::milliseconds timeout)
{
    return QTest::qWaitFor(
               [&] {
                   m_err += m_process.readAllStandardError();
                   return m_err.contains(text) || m_process.state() == QProcess::NotRunning;
               },
               int(timeout.count()))
        && m_err.contains(text);
}

ToolRun ToolProcess::finish(std::chrono::milliseconds timeout)
{
    ToolRun run;
    if (!QTest::qWaitFor(
            [&] { return m_process.state() == QProcess::NotRunning; }, int(timeout.count()))) {
        m_process.kill();
        m_process.waitForFinished(5000);
    } else if (m_process.exitStatus() == QProcess::NormalExit) {
        run.exitCode = m_process.exitCode();
    }
    run.out = m_process.readAllStandardOutput();
    run.err = m_err + m_process.readAllStandardError();
    terminalOutput();
    return run;
}

ToolRun runTool(const QString &program, const QStringList &arguments,
    const QProcessEnvironment &environment, const QByteArray &input, bool keepInputOpen,
    std::chrono::milliseconds timeout)
{
    ToolProcess process(program);
    process.setEnvironment(environment);
    process.start(arguments);
    if (!input.isEmpty())
        process.write(input);
    if (!keepInputOpen)
        process.closeInput();
    return process.finish(timeout);
}

} // namespace QtWs::Test
