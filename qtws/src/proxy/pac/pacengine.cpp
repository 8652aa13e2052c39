// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacengine.h"

#include "common/logging.h"
#include "pacsandbox_p.h"
#include "pacwatchdog_p.h"

#include <QtCore/QPointer>
#include <QtCore/QThread>

#include <atomic>

namespace QtWs {

namespace {

// Lives on the worker thread; everything it owns is touched only there.
class PacWorker : public QObject
{
public:
    PacWorker(PacWatchdog *watchdog, std::atomic<bool> *shuttingDown)
        : m_watchdog(watchdog)
        , m_shuttingDown(shuttingDown)
    { }

    void setEnvironment(const PacEnvironment &environment)
    {
        m_environment = environment;
        reset();
    }

    void setScript(const QString &script, const QString &name, ProxyCandidate::Source source)
    {
        m_script = script;
        m_name = name;
        m_source = source;
        m_hasScript = true;
        reset();
    }

    PacResult run(const QUrl &url, const QString &hostOverride)
    {
        PacResult result;
        if (m_shuttingDown->load()) {
            result.error = PacError::EngineUnavailable;
            result.errorString = pacErrorName(result.error);
            return result;
        }
        if (!m_hasScript) {
            result.error = PacError::NoScript;
            result.errorString = pacErrorName(result.error);
            return result;
        }
        if (m_sandbox && m_sandbox->isSpoiled()) {
            qCDebug(lcQtwsPac) << m_name << "rebuilding the engine after an interrupted evaluation";
            m_sandbox.reset();
        }
        if (!m_loadError.ok())
            return m_loadError; // sticky until another script or environment is set
        if (!m_sandbox) {
            if (m_script.size() > m_environment.maxScriptSize) {
                m_loadError.error = PacError::ScriptTooLarge;
                m_loadError.errorString
                    = QStringLiteral("PAC script %1: %2: %3 characters, limit %4")
                          .arg(m_name, pacErrorName(PacError::ScriptTooLarge))
                          .arg(m_script.size())
                          .arg(m_environment.maxScriptSize);
                qCWarning(lcQtwsPac).noquote() << m_loadError.errorString;
                return m_loadError;
            }
            m_sandbox = std::make_unique<PacSandbox>(m_environment, m_watchdog, m_name, m_source);
            PacResult loaded = m_sandbox->load(m_script);
            if (!loaded.ok()) {
                qCWarning(lcQtwsPac).noquote() << loaded.errorString;
                m_sandbox.reset();
                m_loadError = loaded;
                return m_loadError;
            }
        }
        const QString host = hostOverride.isEmpty() ? url.host(QUrl::FullyEncoded) : hostOverride;
        result = m_sandbox->evaluate(PacEngine::scriptUrl(url, m_environment), host);
        if (!result.ok())
            qCDebug(lcQtwsPac).noquote() << result.errorString;
        return result;
    }

private:
    void reset()
    {
        m_sandbox.reset();
        m_loadError = PacResult();
    }

    PacWatchdog *m_watchdog;
    std::atomic<bool> *m_shuttingDown;
    PacEnvironment m_environment;
    QString m_script;
    QString m_name;
    ProxyCandidate::Source m_source = ProxyCandidate::Source::Pac;
    bool m_hasScript = false;
    PacResult m_loadError;
    std::unique_ptr<PacSandbox> m_sandbox;
};

} // namespace

class PacEnginePrivate
{
public:
    PacEnvironment environment;
    QString scriptName;
    std::atomic<bool> shuttingDown {false};
    PacWatchdog watchdog;
    QThread thread;
    PacWorker *worker = nullptr; // deleted on its thread when the thread finishes
};

PacEngine::PacEngine(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<PacEnginePrivate>())
{
    Q_D(PacEngine);
    d->thread.setObjectName(QStringLiteral("qtws-pac"));
    d->worker = new PacWorker(&d->watchdog, &d->shuttingDown);
    d->worker->moveToThread(&d->thread);
    connect(&d->thread, &QThread::finished, d->worker, &QObject::deleteLater);
    d->thread.start();
}

PacEngine::~PacEngine()
{
    Q_D(PacEngine);
    d->shuttingDown = true;
    d->watchdog.interruptNow();
    d->thread.quit();
    d->thread.wait();
}

void PacEngine::setEnvironment(const PacEnvironment &environment)
{
    Q_D(PacEngine);
    d->environment = environment;
    PacWorker *worker = d->worker;
    QMetaObject::invokeMethod(
        worker, [worker, environment] { worker->setEnvironment(environment); },
        Qt::QueuedConnection);
}

PacEnvironment PacEngine::environment() const
{
    Q_D(const PacEngine);
    return d->environment;
}

void PacEngine::setScript(const QString &script, const QString &name, ProxyCandidate::Source source)
{
    Q_D(PacEngine);
    d->scriptName = name;
    PacWorker *worker = d->worker;
    QMetaObject::invokeMethod(
        worker, [worker, script, name, source] { worker->setScript(script, name, source); },
        Qt::QueuedConnection);
}

QString PacEngine::scriptName() const
{
    Q_D(const PacEngine);
    return d->scriptName;
}

void PacEngine::findProxyForUrl(const QUrl &url, const QObject *context,
    std::function<void(const PacResult &)> callback, const QString &hostOverride)
{
    Q_D(PacEngine);
    QPointer<QObject> guard(const_cast<QObject *>(context));
    PacWorker *worker = d->worker;
    QMetaObject::invokeMethod(
        worker,
        [this, worker, url, hostOverride, guard, callback = std::move(callback)]() mutable {
            PacResult result = worker->run(url, hostOverride);
            // Hop to the engine's thread first: the engine outlives every event posted to itself,
            // which makes the QPointer check below safe; then on to the context's thread.
            QMetaObject::invokeMethod(
                this,
                [guard, callback = std::move(callback), result = std::move(result)]() mutable {
                    QObject *target = guard.data();
                    if (!target)
                        return;
                    if (target->thread() == QThread::currentThread()) {
                        callback(result);
                        return;
                    }
                    QMetaObject::invokeMethod(
                        target, [callback = std::move(callback), result] { callback(result); },
                        Qt::QueuedConnection);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

PacResult PacEngine::findProxyForUrlSync(const QUrl &url, const QString &hostOverride)
{
    Q_D(PacEngine);
    PacResult result;
    if (QThread::currentThread() == &d->thread) {
        result.error = PacError::EngineUnavailable;
        result.errorString
            = QStringLiteral("findProxyForUrlSync() called on the PAC worker thread");
        return result;
    }
    PacWorker *worker = d->worker;
    QMetaObject::invokeMethod(
        worker, [&result, worker, &url, &hostOverride] { result = worker->run(url, hostOverride); },
        Qt::BlockingQueuedConnection);
    return result;
}

QString PacEngine::scriptUrl(const QUrl &url, const PacEnvironment &environment)
{
    QUrl u = url;
    // Credentials and fragments never reach a PAC script (Chromium strips them for every scheme).
    u.setUserInfo(QString());
    u.setFragment(QString());
    const QString scheme = u.scheme().toLower();
    // ws:// and wss:// stay as they are (RFC 6455 §4.1 defines them as the URL's scheme); encrypted
    // requests reveal only scheme, host and port.
    if (environment.stripSecurePathAndQuery
        && (scheme == QStringLiteral("https") || scheme == QStringLiteral("wss"))) {
        u.setPath(QStringLiteral("/"));
        u.setQuery(QString());
    }
    return u.toString(QUrl::FullyEncoded);
}

} // namespace QtWs
