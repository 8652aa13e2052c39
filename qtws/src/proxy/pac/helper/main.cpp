// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-pac-helper: runs one PAC script in a QJSEngine for PacEngine, which talks to it over stdin
// and stdout (pachelperprotocol.h) and kills it when a script cannot be interrupted. It exits at
// the end of its input.
#include "../pachelperprotocol.h"
#include "../pacsandbox.h"
#include "../pacwatchdog.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>

namespace QtWs {
namespace {

using PacHelperProtocol::Message;

// Blocking framed I/O on file descriptors 0 and 1.
class Channel
{
public:
    // The next frame's payload; exits the process at end of input or on a bad frame.
    QByteArray next()
    {
        for (;;) {
            bool bad = false;
            if (std::optional<QByteArray> payload = PacHelperProtocol::takeFrame(m_buffer, &bad))
                return *payload;
            if (bad)
                std::_Exit(2);
            char chunk[64 * 1024];
            const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                std::_Exit(0);
            m_buffer.append(chunk, qsizetype(n));
        }
    }

    // Also called from the watchdog thread (log output).
    void send(const QByteArray &frame)
    {
        std::lock_guard<std::mutex> lock(m_sendMutex);
        qsizetype done = 0;
        while (done < frame.size()) {
            const ssize_t n
                = ::write(STDOUT_FILENO, frame.constData() + done, size_t(frame.size() - done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                std::_Exit(0); // the parent is gone
            done += n;
        }
    }

private:
    QByteArray m_buffer;
    std::mutex m_sendMutex;
};

Channel *g_channel = nullptr;

// Everything the helper logs goes to the parent, which logs it in its own process.
void forwardMessage(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    const QString category = QString::fromLatin1(context.category ? context.category : "default");
    g_channel->send(PacHelperProtocol::frame(
        Message::Log, [&](QDataStream &out) { out << qint32(type) << category << text; }));
}

class Helper
{
public:
    Helper()
        // The parent kills this process when the script ignores the interrupt.
        : m_watchdog([] {}, std::chrono::milliseconds(1000))
    {
        g_channel = &m_channel;
        qInstallMessageHandler(forwardMessage);
        m_environment.resolveHost = [this](const QString &host, std::chrono::milliseconds timeout) {
            m_channel.send(PacHelperProtocol::frame(Message::Resolve,
                [&](QDataStream &out) { out << host << qint64(timeout.count()); }));
            return addresses(awaitAnswer(Message::Addresses));
        };
        m_environment.localAddresses = [this] {
            m_channel.send(PacHelperProtocol::frame(Message::LocalAddresses, [](QDataStream &) {}));
            return addresses(awaitAnswer(Message::Addresses));
        };
        m_environment.clock = [this] {
            m_channel.send(PacHelperProtocol::frame(Message::Now, [](QDataStream &) {}));
            QDateTime now;
            awaitAnswer(Message::Clock) >> now;
            return now;
        };
    }

    [[noreturn]] void run()
    {
        m_channel.send(PacHelperProtocol::frame(Message::Ready, [](QDataStream &) {}));
        for (;;) {
            const QByteArray payload = m_channel.next();
            QDataStream in(payload);
            quint8 type = 0;
            PacHelperProtocol::prepare(in) >> type;
            if (Message(type) == Message::Load)
                reply(load(in));
            else if (Message(type) == Message::Evaluate)
                reply(evaluate(in));
            else
                std::_Exit(2);
        }
    }

private:
    PacResult load(QDataStream &in)
    {
        qint32 source = 0;
        qint64 timeout = 0, dnsTimeout = 0, dnsBudget = 0;
        in >> m_script >> m_name >> source >> timeout >> dnsTimeout >> dnsBudget;
        m_source = ProxyCandidate::Source(source);
        m_environment.evaluationTimeout = std::chrono::milliseconds(timeout);
        m_environment.dnsTimeout = std::chrono::milliseconds(dnsTimeout);
        m_environment.dnsBudget = std::chrono::milliseconds(dnsBudget);
        return rebuild();
    }

    PacResult rebuild()
    {
        m_sandbox.reset();
        m_sandbox = std::make_unique<PacSandbox>(m_environment, &m_watchdog, m_name, m_source);
        PacResult loaded = m_sandbox->load(m_script);
        if (!loaded.isValid())
            m_sandbox.reset();
        return loaded;
    }

    PacResult evaluate(QDataStream &in)
    {
        QString url, host;
        in >> url >> host;
        if (!m_sandbox || m_sandbox->isSpoiled()) {
            // Interrupted before: its state may be half-updated, so start from the script again.
            const PacResult loaded = rebuild();
            if (!loaded.isValid())
                return loaded;
        }
        return m_sandbox->evaluate(url, host);
    }

    void reply(const PacResult &result)
    {
        m_channel.send(PacHelperProtocol::frame(Message::Result, [&](QDataStream &out) {
            out << qint32(result.error) << result.errorString << qint32(result.line) << result.raw
                << result.warnings;
        }));
    }

    QDataStream &awaitAnswer(Message expected)
    {
        m_answer = m_channel.next();
        m_answerStream.emplace(m_answer);
        quint8 type = 0;
        PacHelperProtocol::prepare(*m_answerStream) >> type;
        if (Message(type) != expected)
            std::_Exit(2);
        return *m_answerStream;
    }

    static QList<QHostAddress> addresses(QDataStream &in)
    {
        QStringList texts;
        in >> texts;
        QList<QHostAddress> out;
        for (const QString &t : std::as_const(texts))
            out.append(QHostAddress(t));
        return out;
    }

    Channel m_channel;
    PacWatchdog m_watchdog;
    PacEnvironment m_environment;
    QString m_script;
    QString m_name;
    ProxyCandidate::Source m_source = ProxyCandidate::Source::Pac;
    std::unique_ptr<PacSandbox> m_sandbox;
    QByteArray m_answer;
    std::optional<QDataStream> m_answerStream;
};

} // namespace
} // namespace QtWs

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Everything is forwarded; the parent's own logging rules decide what is shown.
    QLoggingCategory::setFilterRules(QStringLiteral("qtws.*=true"));
    QtWs::Helper helper;
    helper.run();
}
