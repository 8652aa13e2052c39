// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-pac-helper: runs one PAC script in a QJSEngine for PacEngine, which talks to it over stdin
// and stdout (one socket, pachelperprotocol.h) and kills it when a script cannot be interrupted.
// It blocks in read() between requests (no event loop) and exits at the end of its input.
#include "../pachelperprotocol.h"
#include "../pacsandbox.h"
#include "../pacwatchdog.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>

namespace QtWs {
namespace {

using PacHelperProtocol::InBuffer;
using PacHelperProtocol::Message;
using PacHelperProtocol::Reader;
using PacHelperProtocol::Writer;

// A Load or an Evaluate, decoded (their frames' bytes are reused by later reads).
struct Request
{
    Message type = Message::Evaluate;
    QString script; // Load
    QString name;
    qint32 source = 0;
    qint64 timeout = 0;
    qint64 dnsTimeout = 0;
    qint64 dnsBudget = 0;
    QString url; // Evaluate
    QString host;
    std::optional<QList<QHostAddress>> localAddresses;
    std::optional<QDateTime> clock;
};

// Blocking framed I/O on file descriptors 0 and 1.
class Channel
{
public:
    using Clock = std::chrono::steady_clock;

    InBuffer &in() { return m_in; }

    // Reads what is there, waiting for at least one byte; exits the process at end of input.
    void receive()
    {
        qsizetype room = 0;
        char *at = m_in.space(&room);
        for (;;) {
            const ssize_t n = ::read(STDIN_FILENO, at, size_t(room));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                std::_Exit(0); // the parent is gone or closed our input
            m_in.commit(n);
            std::lock_guard<std::mutex> lock(m_outMutex);
            m_windowStart = Clock::now();
            return;
        }
    }

    // Appends a frame to the output; also called from the watchdog thread (log output).
    template<typename Build> void post(Build build, bool flushNow)
    {
        std::lock_guard<std::mutex> lock(m_outMutex);
        Writer out(&m_out);
        build(out);
        if (flushNow)
            flushLocked();
    }

    void flush()
    {
        std::lock_guard<std::mutex> lock(m_outMutex);
        flushLocked();
    }

    // Whether finished results may wait for the next ones (while more requests are queued): only
    // within kHoldBack of the last write or of the request's arrival, so that the parent, which
    // counts a request's deadline from the answer before it, is never early by more than that; and
    // the watchdog flushes them when the next evaluation is interrupted.
    bool mayHoldBack()
    {
        std::lock_guard<std::mutex> lock(m_outMutex);
        return m_out.size() < PacHelperProtocol::kHoldBackBytes
            && Clock::now() - m_windowStart < PacHelperProtocol::kHoldBack;
    }

private:
    void flushLocked()
    {
        qsizetype done = 0;
        while (done < m_out.size()) {
            const ssize_t n
                = ::write(STDOUT_FILENO, m_out.constData() + done, size_t(m_out.size() - done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                std::_Exit(0); // the parent is gone
            done += n;
        }
        if (m_out.capacity() > InBuffer::kInitialCapacity)
            m_out = QByteArray();
        else
            m_out.resize(0);
        m_windowStart = Clock::now();
    }

    InBuffer m_in;
    std::mutex m_outMutex;
    QByteArray m_out;
    Clock::time_point m_windowStart;
};

Channel *g_channel = nullptr;

// Everything the helper logs goes to the parent, which logs it in its own process.
void forwardMessage(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    const QString category = QString::fromLatin1(context.category ? context.category : "default");
    g_channel->post(
        [&](Writer &out) {
            out.begin(Message::Log);
            out.i32(qint32(type));
            out.string(category);
            out.string(text);
            out.end();
        },
        true);
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
        // At an interrupt, results held back go out, followed by the news: the parent then kills
        // this process kKillGrace later if the interrupted evaluation does not return.
        m_watchdog.setOnInterrupt([this] {
            m_channel.post(
                [](Writer &out) {
                    out.begin(Message::Interrupted);
                    out.end();
                },
                true);
        });
        m_environment.resolveHost = [this](const QString &host, std::chrono::milliseconds timeout) {
            m_channel.post(
                [&](Writer &out) {
                    out.begin(Message::Resolve);
                    out.string(host);
                    out.i64(qint64(timeout.count()));
                    out.end();
                },
                false);
            QList<QHostAddress> addresses;
            awaitAnswer(Message::Addresses, [&](Reader &in) { addresses = in.addresses(); });
            return addresses;
        };
        m_environment.localAddresses = [this] {
            if (m_current && m_current->localAddresses)
                return *m_current->localAddresses; // sent with the request
            m_channel.post(
                [](Writer &out) {
                    out.begin(Message::LocalAddresses);
                    out.end();
                },
                false);
            QList<QHostAddress> addresses;
            awaitAnswer(Message::Addresses, [&](Reader &in) { addresses = in.addresses(); });
            return addresses;
        };
        m_environment.clock = [this] {
            if (m_current && m_current->clock)
                return *m_current->clock;
            m_channel.post(
                [](Writer &out) {
                    out.begin(Message::Now);
                    out.end();
                },
                false);
            QDateTime now;
            awaitAnswer(Message::Clock, [&](Reader &in) { now = in.dateTime(); });
            return now;
        };
    }

    [[noreturn]] void run()
    {
        m_channel.post(
            [](Writer &out) {
                out.begin(Message::Ready);
                out.end();
            },
            true);
        for (;;) {
            takeRequests();
            while (m_queue.empty()) {
                m_channel.flush(); // log lines
                m_channel.receive();
                takeRequests();
            }
            Request request = std::move(m_queue.front());
            m_queue.pop_front();
            reply(request.type == Message::Load ? load(request) : evaluate(request));
            takeRequests();
            if (m_queue.empty() || !m_channel.mayHoldBack())
                m_channel.flush();
        }
    }

private:
    static Request decodeRequest(const InBuffer::Frame &frame)
    {
        Reader in(frame.body, frame.size);
        Request r;
        r.type = frame.type;
        if (frame.type == Message::Load) {
            r.script = in.string();
            r.name = in.string();
            r.source = in.i32();
            r.timeout = in.i64();
            r.dnsTimeout = in.i64();
            r.dnsBudget = in.i64();
        } else {
            r.url = in.string();
            r.host = in.string();
            const quint8 flags = in.u8();
            if (flags & PacHelperProtocol::kHasLocalAddresses)
                r.localAddresses = in.addresses();
            if (flags & PacHelperProtocol::kHasClock)
                r.clock = in.dateTime();
        }
        if (!in.ok() || !in.atEnd())
            std::_Exit(2);
        return r;
    }

    // Queues the requests already received; anything else here is a protocol error.
    void takeRequests()
    {
        InBuffer::Frame frame;
        for (;;) {
            const InBuffer::Status status = m_channel.in().next(&frame);
            if (status == InBuffer::Status::NeedMore)
                return;
            if (status == InBuffer::Status::Bad
                || (frame.type != Message::Load && frame.type != Message::Evaluate))
                std::_Exit(2);
            m_queue.push_back(decodeRequest(frame));
        }
    }

    // Waits for the parent's answer to a callback; requests that arrive first are queued.
    template<typename Decode> void awaitAnswer(Message expected, Decode decode)
    {
        m_channel.flush();
        InBuffer::Frame frame;
        for (;;) {
            const InBuffer::Status status = m_channel.in().next(&frame);
            if (status == InBuffer::Status::NeedMore) {
                m_channel.receive();
                continue;
            }
            if (status == InBuffer::Status::Bad)
                std::_Exit(2);
            if (frame.type == expected) {
                Reader in(frame.body, frame.size);
                decode(in);
                if (!in.ok() || !in.atEnd())
                    std::_Exit(2);
                return;
            }
            if (frame.type != Message::Load && frame.type != Message::Evaluate)
                std::_Exit(2);
            m_queue.push_back(decodeRequest(frame));
        }
    }

    PacResult load(Request &request)
    {
        m_script = std::move(request.script);
        m_name = std::move(request.name);
        m_source = ProxyCandidate::Source(request.source);
        m_environment.evaluationTimeout = std::chrono::milliseconds(request.timeout);
        m_environment.dnsTimeout = std::chrono::milliseconds(request.dnsTimeout);
        m_environment.dnsBudget = std::chrono::milliseconds(request.dnsBudget);
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

    PacResult evaluate(const Request &request)
    {
        m_current = &request;
        PacResult result;
        if (!m_sandbox || m_sandbox->isSpoiled()) {
            // Interrupted before: its state may be half-updated, so start from the script again.
            result = rebuild();
        }
        if (result.isValid() && m_sandbox)
            result = m_sandbox->evaluate(request.url, request.host);
        m_current = nullptr;
        return result;
    }

    void reply(const PacResult &result)
    {
        m_channel.post(
            [&](Writer &out) {
                out.begin(Message::Result);
                out.i32(qint32(result.error));
                out.string(result.errorString);
                out.i32(qint32(result.line));
                out.string(result.raw);
                out.strings(result.warnings);
                out.end();
            },
            false);
    }

    Channel m_channel;
    PacWatchdog m_watchdog;
    PacEnvironment m_environment;
    QString m_script;
    QString m_name;
    ProxyCandidate::Source m_source = ProxyCandidate::Source::Pac;
    std::unique_ptr<PacSandbox> m_sandbox;
    std::deque<Request> m_queue;
    const Request *m_current = nullptr;
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
