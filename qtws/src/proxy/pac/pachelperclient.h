// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACHELPERCLIENT_H
#define QTWS_PACHELPERCLIENT_H

#include "pacengine.h"
#include "pachelperprotocol.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <sys/types.h>

#include <chrono>
#include <functional>

namespace QtWs {

/*
    The parent's side of one qtws-pac-helper process (see pachelperprotocol.h). Not thread-safe:
    one thread at a time uses it (PacEngine hands it to its worker thread or to a thread in
    findProxyForUrlSync()); it needs no event loop. The helper is started with posix_spawn() on one
    end of a socketpair, which becomes its stdin and stdout; every wait is a poll() on the other
    end, in slices of kPollSlice so that a stop request is seen.

    The helper interrupts a script at the evaluation timeout itself; when no answer has come
    kKillGrace after that (a script V4 cannot interrupt, see PacEngine), the process is killed
    (SIGKILL, then reaped) and that evaluation fails with PacError::Timeout. A helper that exits,
    closes the socket or breaks the protocol is reaped and the evaluation fails with
    PacError::EngineUnavailable. The next call starts a fresh helper and loads the script into it
    again. Writes use MSG_NOSIGNAL: a dead helper is an error, never a SIGPIPE. DNS, local
    addresses and the clock are answered here, with the PacEnvironment's functions, so they keep
    running in the application's process.
*/
class PacHelperClient
{
public:
    // How long after the evaluation timeout an unanswered helper is killed.
    static constexpr std::chrono::milliseconds kKillGrace {200};
    // How long a new helper may take to say Ready; not part of any evaluation's time.
    static constexpr std::chrono::milliseconds kStartupTimeout {15000};
    // How often a wait for the helper looks at the stop request.
    static constexpr std::chrono::milliseconds kPollSlice {50};

    struct Request
    {
        QString url;
        QString host;
    };
    using Done = std::function<void(qsizetype index, PacResult &&result)>;

    // stopRequested is polled while waiting; when it turns true the helper is killed.
    explicit PacHelperClient(std::function<bool()> stopRequested);
    ~PacHelperClient();
    PacHelperClient(const PacHelperClient &) = delete;
    PacHelperClient &operator=(const PacHelperClient &) = delete;

    // Loads the script (compiles it and runs its top level) into the helper, starting one if needed.
    PacResult load(const QString &script, const QString &name, ProxyCandidate::Source source,
        const PacEnvironment &environment);
    // Calls FindProxyForURL(Ex) once; the script must have been loaded successfully.
    PacResult evaluate(const QString &url, const QString &host);
    // Pipelined: sends every request at once, calls done for each in order as its result comes
    // back. When one evaluation times out or the helper dies, that one fails and the rest go to a
    // fresh helper; after a stop request the rest fail with EngineUnavailable.
    void evaluate(const Request *requests, qsizetype count, const Done &done);

    // The helper's process id, or -1 when none runs (for tests).
    pid_t processId() const noexcept { return m_pid; }

    // QTWS_PAC_HELPER, else qtws/qtws-pac-helper in the libexec directory that belongs to the
    // library's installation, else the build tree's helper.
    static QString helperPath();

private:
    enum class Outcome { Done, Timeout, Died, Stopped };

    PacResult sendLoad();
    Outcome exchange(
        qsizetype expected, const std::function<void(PacResult &&)> &onResult, QString *detail);
    bool answerCallback(const PacHelperProtocol::InBuffer::Frame &frame);
    bool sendPending(QString *detail);
    PacResult fail(PacError error, const QString &detail) const;
    PacResult failure(Outcome outcome, const QString &where, const QString &detail) const;
    void writeEvaluate(PacHelperProtocol::Writer &writer, const Request &request);
    bool ensureStarted(QString *error);
    bool isAlive() const;
    void kill();
    QString reap(bool kill);

    std::function<bool()> m_stopRequested;
    pid_t m_pid = -1;
    int m_fd = -1;
    PacHelperProtocol::InBuffer m_in;
    QByteArray m_out;
    qsizetype m_outSent = 0;
    QString m_script;
    QString m_name;
    ProxyCandidate::Source m_source = ProxyCandidate::Source::Pac;
    PacEnvironment m_environment;
    bool m_needsLoad = true;
    bool m_ready = false; // the helper sent Ready
    bool m_prefetchLocalAddresses = false;
    bool m_prefetchClock = false;
};

} // namespace QtWs

#endif // QTWS_PACHELPERCLIENT_H
