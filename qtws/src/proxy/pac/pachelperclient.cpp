// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pachelperclient.h"

#include "common/logging.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtNetwork/QHostInfo>
#include <QtNetwork/QNetworkInterface>

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

extern char **environ;

#ifndef POLLRDHUP
#define POLLRDHUP 0 // Linux's; POLLHUP alone elsewhere
#endif

namespace QtWs {

using PacHelperProtocol::InBuffer;
using PacHelperProtocol::Message;
using PacHelperProtocol::Reader;
using PacHelperProtocol::Writer;

namespace {

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;
#else
constexpr int kSendFlags = MSG_DONTWAIT; // SO_NOSIGPIPE is set on the socket instead
#endif

// A buffer that grew for a large frame (a script) is released afterwards.
constexpr qsizetype kKeptOutputCapacity = 64 * 1024;

QList<QHostAddress> defaultResolve(const QString &host, std::chrono::milliseconds timeout)
{
    // QHostInfo::fromName() has no timeout: run it on a helper thread and abandon it at the
    // deadline (the thread ends when the system resolver gives up).
    auto promise = std::make_shared<std::promise<QList<QHostAddress>>>();
    std::future<QList<QHostAddress>> future = promise->get_future();
    std::thread([promise, host] {
        promise->set_value(QHostInfo::fromName(host).addresses());
    }).detach();
    if (future.wait_for(timeout) != std::future_status::ready) {
        qCDebug(lcQtwsPac) << "DNS lookup of" << host << "timed out after" << timeout.count()
                           << "ms";
        return {};
    }
    return future.get();
}

// QNetworkInterface::allAddresses() asks the kernel every time; scripts call myIpAddress() on
// nearly every evaluation. Remembered for kLocalAddressTtl, shared by all engines (addresses change
// rarely, and the resolver drops its caches on network changes anyway).
constexpr auto kLocalAddressTtl = std::chrono::seconds(5);

QList<QHostAddress> systemLocalAddresses()
{
    static std::mutex mutex;
    static QList<QHostAddress> cached;
    static std::chrono::steady_clock::time_point expires;
    std::lock_guard<std::mutex> lock(mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now >= expires) {
        cached = QNetworkInterface::allAddresses();
        expires = now + kLocalAddressTtl;
    }
    return cached;
}

void locateLibrary() { }

QString errnoText(const char *what)
{
    return QStringLiteral("%1: %2").arg(
        QLatin1String(what), QString::fromLocal8Bit(std::strerror(errno)));
}

// Logs what the helper logged, in this process, where the application's message handler and
// logging rules apply.
bool relayLog(Reader &in)
{
    const qint32 type = in.i32();
    const QString category = in.string();
    QString text = in.string();
    if (!in.ok())
        return false;
    if (category != QLatin1String(lcQtwsPac().categoryName()))
        text = QStringLiteral("[%1] %2").arg(category, text);
    switch (QtMsgType(type)) {
    case QtDebugMsg:
        qCDebug(lcQtwsPac).noquote() << text;
        break;
    case QtInfoMsg:
        qCInfo(lcQtwsPac).noquote() << text;
        break;
    case QtWarningMsg:
        qCWarning(lcQtwsPac).noquote() << text;
        break;
    default:
        qCCritical(lcQtwsPac).noquote() << text;
        break;
    }
    return true;
}

// Moves fd above the standard descriptors (posix_spawn's dup2 onto 0 and 1 must make copies).
int aboveStandardFds(int fd)
{
    if (fd > STDERR_FILENO)
        return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    ::close(fd);
    return moved;
}

QString describeStatus(int status)
{
    if (WIFEXITED(status))
        return QStringLiteral("exited with status %1").arg(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return QStringLiteral("was ended by signal %1").arg(WTERMSIG(status));
    return QStringLiteral("ended");
}

} // namespace

PacHelperClient::PacHelperClient(std::function<bool()> stopRequested)
    : m_stopRequested(std::move(stopRequested))
{ }

PacHelperClient::~PacHelperClient()
{
    if (m_pid <= 0)
        return;
    ::shutdown(m_fd, SHUT_WR); // the helper exits at the end of its input
    reap(false);
}

QString PacHelperClient::helperPath()
{
    const QString fromEnvironment = qEnvironmentVariable("QTWS_PAC_HELPER");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&locateLibrary), &info) != 0 && info.dli_fname) {
        const QDir libraryDir = QFileInfo(QFile::decodeName(info.dli_fname)).absoluteDir();
        const QString installed = QDir::cleanPath(
            libraryDir.filePath(QStringLiteral(QTWS_PAC_HELPER_FROM_LIBDIR "/qtws-pac-helper")));
        if (QFileInfo(installed).isExecutable())
            return installed;
    }
    return QStringLiteral(QTWS_PAC_HELPER_BUILD_PATH);
}

PacResult PacHelperClient::fail(PacError error, const QString &detail) const
{
    PacResult result;
    result.error = error;
    result.errorString
        = QStringLiteral("PAC script %1: %2: %3").arg(m_name, pacErrorName(error), detail);
    return result;
}

PacResult PacHelperClient::failure(
    Outcome outcome, const QString &where, const QString &detail) const
{
    switch (outcome) {
    case Outcome::Timeout:
        return fail(PacError::Timeout,
            QStringLiteral("%1 ran longer than %2 ms")
                .arg(where)
                .arg(m_environment.evaluationTimeout.count()));
    case Outcome::Stopped:
        return fail(PacError::EngineUnavailable, QStringLiteral("the engine was destroyed"));
    case Outcome::Died:
    case Outcome::Done:
        break;
    }
    return fail(PacError::EngineUnavailable, detail);
}

bool PacHelperClient::ensureStarted(QString *error)
{
    if (m_pid > 0 && isAlive())
        return true;
    if (m_pid > 0) {
        const pid_t pid = m_pid;
        const QString status = reap(true); // not inside qCDebug(): that may not evaluate it
        qCDebug(lcQtwsPac).noquote() << "PAC helper" << pid << status << "while idle";
    }
    m_in.clear();
    m_out = QByteArray();
    m_outSent = 0;
    m_needsLoad = true;
    const QString path = helperPath();
    const QByteArray nativePath = QFile::encodeName(path);
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
        *error = QStringLiteral("cannot start the PAC helper %1: %2")
                     .arg(path, errnoText("socketpair"));
        return false;
    }
    const int parentEnd = ends[0];
    const int childEnd = aboveStandardFds(ends[1]);
    if (childEnd < 0) {
        *error = QStringLiteral("cannot start the PAC helper %1: %2").arg(path, errnoText("fcntl"));
        ::close(parentEnd);
        return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, childEnd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, childEnd, STDOUT_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t signalSet;
    sigemptyset(&signalSet);
    posix_spawnattr_setsigmask(&attributes, &signalSet);
    // The helper dies of SIGPIPE when this process is gone, whatever this process ignores.
    sigaddset(&signalSet, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &signalSet);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {const_cast<char *>(nativePath.constData()), nullptr};
    pid_t pid = -1;
    // posix_spawnp(): a QTWS_PAC_HELPER without a slash is looked up in PATH, as QProcess did.
    const int spawned
        = ::posix_spawnp(&pid, nativePath.constData(), &actions, &attributes, argv, environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    ::close(childEnd);
    if (spawned != 0) {
        *error = QStringLiteral("cannot start the PAC helper %1: %2")
                     .arg(path, QString::fromLocal8Bit(std::strerror(spawned)));
        ::close(parentEnd);
        return false;
    }
    ::fcntl(parentEnd, F_SETFL, ::fcntl(parentEnd, F_GETFL) | O_NONBLOCK);
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    const int on = 1;
    ::setsockopt(parentEnd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
    m_pid = pid;
    m_fd = parentEnd;
    m_ready = false;
    return true;
}

bool PacHelperClient::isAlive() const
{
    // The helper's end closes when it dies: the socket reports a hang-up (whatever it may still
    // hold unread, such as a log line).
    pollfd p {m_fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0 || !(p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL));
}

QString PacHelperClient::reap(bool force)
{
    if (m_pid <= 0)
        return QString();
    if (force)
        ::kill(m_pid, SIGKILL);
    // Without force the helper is leaving on its own (end of its input or of ours): give it
    // kPollSlice, then kill it. Either way it is reaped: no zombie, the PID is gone.
    const auto giveUp = std::chrono::steady_clock::now() + kPollSlice;
    int status = 0;
    pid_t done = 0;
    for (;;) {
        done = ::waitpid(m_pid, &status, force ? 0 : WNOHANG);
        if (done < 0 && errno == EINTR)
            continue;
        if (done != 0)
            break;
        if (std::chrono::steady_clock::now() >= giveUp) {
            ::kill(m_pid, SIGKILL);
            force = true;
            continue;
        }
        pollfd p {m_fd, POLLIN, 0};
        if (::poll(&p, 1, 1) > 0) {
            char discard[512];
            (void)::recv(m_fd, discard, sizeof discard, MSG_DONTWAIT);
        }
    }
    ::close(m_fd);
    const pid_t pid = m_pid;
    m_fd = -1;
    m_pid = -1;
    m_in.clear();
    m_out = QByteArray();
    m_outSent = 0;
    m_needsLoad = true;
    // ECHILD: the application reaps children itself (SIGCHLD ignored); nothing to report.
    return done == pid ? describeStatus(status) : QStringLiteral("ended");
}

void PacHelperClient::kill()
{
    reap(true);
}

PacResult PacHelperClient::load(const QString &script, const QString &name,
    ProxyCandidate::Source source, const PacEnvironment &environment)
{
    m_script = script;
    m_name = name;
    m_source = source;
    m_environment = environment;
    // Scripts that use these (nearly every corporate script calls myIpAddress()) get the answers
    // with each request instead of a round trip per evaluation.
    m_prefetchLocalAddresses = script.contains(QLatin1String("myIpAddress"));
    m_prefetchClock = script.contains(QLatin1String("weekdayRange"))
        || script.contains(QLatin1String("dateRange"))
        || script.contains(QLatin1String("timeRange"));
    m_needsLoad = true;
    return sendLoad();
}

PacResult PacHelperClient::sendLoad()
{
    QString error;
    if (!ensureStarted(&error))
        return fail(PacError::EngineUnavailable, error);
    m_needsLoad = true;
    Writer out(&m_out);
    out.begin(Message::Load);
    out.string(m_script);
    out.string(m_name);
    out.i32(qint32(m_source));
    out.i64(qint64(m_environment.evaluationTimeout.count()));
    out.i64(qint64(m_environment.dnsTimeout.count()));
    out.i64(qint64(m_environment.dnsBudget.count()));
    out.end();
    const QString where = QStringLiteral("top level");
    PacResult result;
    QString detail;
    const Outcome outcome = exchange(
        1, [&](PacResult &&r) { result = std::move(r); }, &detail);
    if (outcome != Outcome::Done) {
        if (outcome == Outcome::Timeout)
            qCWarning(lcQtwsPac).noquote() << "PAC script" << m_name << "did not return from"
                                           << where << "; killing its helper process";
        kill();
        return failure(outcome, where, detail);
    }
    m_needsLoad = !result.isValid();
    return result;
}

void PacHelperClient::writeEvaluate(Writer &out, const Request &request)
{
    out.begin(Message::Evaluate);
    out.string(request.url);
    out.string(request.host);
    out.u8(quint8((m_prefetchLocalAddresses ? PacHelperProtocol::kHasLocalAddresses : 0)
        | (m_prefetchClock ? PacHelperProtocol::kHasClock : 0)));
    if (m_prefetchLocalAddresses)
        out.addresses(
            m_environment.localAddresses ? m_environment.localAddresses() : systemLocalAddresses());
    if (m_prefetchClock)
        out.dateTime(m_environment.clock ? m_environment.clock() : QDateTime::currentDateTime());
    out.end();
}

PacResult PacHelperClient::evaluate(const QString &url, const QString &host)
{
    PacResult result;
    const Request request {url, host};
    evaluate(&request, 1, [&](qsizetype, PacResult &&r) { result = std::move(r); });
    return result;
}

void PacHelperClient::evaluate(const Request *requests, qsizetype count, const Done &done)
{
    const QString where = QStringLiteral("FindProxyForURL");
    qsizetype next = 0;
    while (next < count) {
        if (m_stopRequested()) {
            kill();
            while (next < count)
                done(next++, failure(Outcome::Stopped, where, QString()));
            return;
        }
        if (m_pid > 0 && !isAlive()) {
            // Killed from outside or out of memory while idle: replaced, not an error.
            const pid_t pid = m_pid;
            const QString status = reap(true); // not inside qCDebug(): that may not evaluate it
            qCDebug(lcQtwsPac).noquote() << "PAC helper" << pid << status << "while idle";
        }
        if (m_needsLoad || m_pid <= 0) {
            // A fresh helper after a kill: the script was loaded before, so this normally succeeds.
            const PacResult loaded = sendLoad();
            if (!loaded.isValid()) {
                while (next < count)
                    done(next++, PacResult(loaded));
                return;
            }
        }
        Writer out(&m_out);
        for (qsizetype i = next; i < count; ++i)
            writeEvaluate(out, requests[i]);
        QString detail;
        const Outcome outcome = exchange(
            count - next,
            [&](PacResult &&r) {
                if (r.isValid())
                    r.candidates = parsePacResult(r.raw, m_source, m_name, nullptr);
                done(next++, std::move(r));
            },
            &detail);
        if (outcome == Outcome::Done)
            return;
        if (outcome == Outcome::Timeout)
            qCWarning(lcQtwsPac).noquote() << "PAC script" << m_name << "did not return from"
                                           << where << "; killing its helper process";
        kill();
        if (outcome == Outcome::Stopped) {
            while (next < count)
                done(next++, failure(outcome, where, detail));
            return;
        }
        // The one in progress fails; the ones behind it never started and go to a fresh helper.
        done(next++, failure(outcome, where, detail));
    }
}

bool PacHelperClient::sendPending(QString *detail)
{
    while (m_outSent < m_out.size()) {
        const ssize_t n = ::send(
            m_fd, m_out.constData() + m_outSent, size_t(m_out.size() - m_outSent), kSendFlags);
        if (n >= 0) {
            m_outSent += n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true; // the rest when poll() says so
        *detail = QStringLiteral("the PAC helper is gone (%1)").arg(errnoText("send"));
        return false; // EPIPE, ECONNRESET: no signal (MSG_NOSIGNAL)
    }
    if (m_out.capacity() > kKeptOutputCapacity)
        m_out = QByteArray();
    else
        m_out.resize(0);
    m_outSent = 0;
    return true;
}

PacHelperClient::Outcome PacHelperClient::exchange(
    qsizetype expected, const std::function<void(PacResult &&)> &onResult, QString *detail)
{
    using Clock = std::chrono::steady_clock;
    const auto allowed = m_environment.evaluationTimeout + kKillGrace;
    // The deadline of the request in progress: the helper starts it when it has answered the one
    // before. DNS answered here does not count against the evaluation timeout (as in the helper).
    // Until a new helper says Ready, its start is timed by kStartupTimeout, not by the script's.
    auto deadline = Clock::now() + (m_ready ? allowed : kStartupTimeout);
    qsizetype received = 0;
    for (;;) {
        InBuffer::Frame frame;
        for (;;) {
            const InBuffer::Status status = m_in.next(&frame);
            if (status == InBuffer::Status::NeedMore)
                break;
            if (status == InBuffer::Status::Bad) {
                *detail = QStringLiteral("the PAC helper sent a bad frame");
                return Outcome::Died;
            }
            if (frame.type == Message::Result) {
                Reader in(frame.body, frame.size);
                PacResult result;
                const qint32 error = in.i32();
                result.errorString = in.string();
                result.line = in.i32();
                result.raw = in.string();
                result.warnings = in.strings();
                if (!in.ok() || !in.atEnd() || error < 0
                    || error > qint32(PacError::EngineUnavailable)) {
                    *detail = QStringLiteral("the PAC helper sent a bad result");
                    return Outcome::Died;
                }
                result.error = PacError(error);
                onResult(std::move(result));
                if (++received == expected)
                    return Outcome::Done;
                deadline = Clock::now() + allowed;
                continue;
            }
            if (frame.type == Message::Ready) {
                if (m_ready) {
                    *detail = QStringLiteral("the PAC helper said Ready twice");
                    return Outcome::Died;
                }
                m_ready = true;
                deadline = Clock::now() + allowed;
                continue;
            }
            if (frame.type == Message::Interrupted) {
                // The helper's watchdog interrupted the evaluation in progress (anything held back
                // came before): it has kKillGrace to return.
                deadline = std::min(deadline, Clock::now() + kKillGrace);
                continue;
            }
            const auto start = Clock::now();
            if (!answerCallback(frame)) {
                *detail
                    = QStringLiteral("the PAC helper sent a bad message (%1)").arg(int(frame.type));
                return Outcome::Died;
            }
            deadline += Clock::now() - start;
        }
        if (!sendPending(detail))
            return Outcome::Died;
        if (m_stopRequested())
            return Outcome::Stopped;
        const auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero() && !m_ready) {
            *detail = QStringLiteral("the PAC helper was not ready within %1 ms")
                          .arg(kStartupTimeout.count());
            return Outcome::Died;
        }
        if (left <= Clock::duration::zero())
            return Outcome::Timeout;
        const auto slice = std::min(std::chrono::ceil<std::chrono::milliseconds>(left), kPollSlice);
        pollfd p {m_fd, short(POLLIN | (m_outSent < m_out.size() ? POLLOUT : 0)), 0};
        const int ready = ::poll(&p, 1, int(slice.count()));
        if (ready < 0 && errno != EINTR) {
            *detail = errnoText("poll");
            return Outcome::Died;
        }
        if (ready <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
            continue; // timeout slice, EINTR, or writable only: sendPending() above
        qsizetype room = 0;
        char *at = m_in.space(&room);
        const ssize_t n = ::recv(m_fd, at, size_t(room), MSG_DONTWAIT);
        if (n > 0) {
            m_in.commit(n);
        } else if (n == 0) {
            *detail = QStringLiteral("the PAC helper %1").arg(reap(false));
            return Outcome::Died;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            *detail = QStringLiteral("the PAC helper is gone (%1)").arg(errnoText("recv"));
            return Outcome::Died;
        }
    }
}

bool PacHelperClient::answerCallback(const InBuffer::Frame &frame)
{
    Reader in(frame.body, frame.size);
    Writer out(&m_out);
    switch (frame.type) {
    case Message::Resolve: {
        const QString host = in.string();
        const std::chrono::milliseconds timeout(in.i64());
        if (!in.ok())
            return false;
        const QList<QHostAddress> addresses = m_environment.resolveHost
            ? m_environment.resolveHost(host, timeout)
            : defaultResolve(host, timeout);
        out.begin(Message::Addresses);
        out.addresses(addresses);
        out.end();
        return true;
    }
    case Message::LocalAddresses:
        out.begin(Message::Addresses);
        out.addresses(
            m_environment.localAddresses ? m_environment.localAddresses() : systemLocalAddresses());
        out.end();
        return true;
    case Message::Now:
        out.begin(Message::Clock);
        out.dateTime(m_environment.clock ? m_environment.clock() : QDateTime::currentDateTime());
        out.end();
        return true;
    case Message::Log:
        return relayLog(in);
    default:
        return false;
    }
}

} // namespace QtWs
