// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACHELPERCLIENT_H
#define QTWS_PACHELPERCLIENT_H

#include "pacengine.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <chrono>
#include <functional>
#include <memory>

class QProcess;

namespace QtWs {

/*
    The parent's side of one qtws-pac-helper process (see pachelperprotocol.h). Lives on a PacEngine
    worker thread, which has no event loop: every wait is a QProcess::waitForReadyRead() slice.
    The helper interrupts a script at the evaluation timeout itself; when no answer has come
    kKillGrace after that (a script V4 cannot interrupt, such as a catastrophic regular expression),
    the process is killed and the call fails with PacError::Timeout. The next call starts a fresh
    helper and loads the script into it again. DNS, local addresses and the clock are answered here,
    with the PacEnvironment's functions, so they keep running in the application's process.
*/
class PacHelperClient
{
public:
    // How long after the evaluation timeout an unanswered helper is killed.
    static constexpr std::chrono::milliseconds kKillGrace {200};
    // How long a new helper may take to start (exec, Qt, the sandbox's libraries) and say Ready;
    // not part of any evaluation's time.
    static constexpr std::chrono::milliseconds kStartupTimeout {15000};

    // stopRequested is polled while waiting; when it turns true the helper is killed.
    explicit PacHelperClient(std::function<bool()> stopRequested);
    ~PacHelperClient();
    PacHelperClient(const PacHelperClient &) = delete;
    PacHelperClient &operator=(const PacHelperClient &) = delete;

    // Loads the script (compiles it and runs its top level) into the helper, starting one if needed.
    PacResult load(const QString &script, const QString &name, ProxyCandidate::Source source,
        const PacEnvironment &environment);
    // Calls FindProxyForURL(Ex); the script must have been loaded successfully.
    PacResult evaluate(const QString &url, const QString &host);

    // QTWS_PAC_HELPER, else qtws/qtws-pac-helper in the libexec directory that belongs to the
    // library's installation, else the build tree's helper.
    static QString helperPath();

private:
    PacResult sendLoad();
    PacResult exchange(const QByteArray &request, const QString &where);
    void answerCallback(const QByteArray &payload);
    PacResult readResult(QDataStream &in);
    PacResult fail(PacError error, const QString &detail) const;
    bool ensureStarted(QString *error);
    bool awaitReady(QString *error);
    void kill();

    std::function<bool()> m_stopRequested;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_buffer;
    QString m_script;
    QString m_name;
    ProxyCandidate::Source m_source = ProxyCandidate::Source::Pac;
    PacEnvironment m_environment;
    bool m_needsLoad = true;
};

} // namespace QtWs

#endif // QTWS_PACHELPERCLIENT_H
