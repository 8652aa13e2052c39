// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacengine.h"

#include "common/logging.h"
#include "pacsandbox.h"
#include "pacwatchdog.h"
#include "protocol/url.h"

#include <QtCore/QPointer>
#include <QtCore/QThread>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace QtWs {

namespace {

// Set on worker threads, where a synchronous request would wait for itself.
thread_local bool t_isPacWorker = false;

/*! How long an interrupted evaluation may take to return before its thread is abandoned. */
constexpr std::chrono::milliseconds kStuckGrace {1000};

PacResult makeError(PacError error, const QString &detail = QString())
{
    PacResult result;
    result.error = error;
    result.errorString = detail.isEmpty() ? pacErrorName(error)
                                          : pacErrorName(error) + QStringLiteral(": ") + detail;
    return result;
}

// One request. complete() runs at most once: the worker and, for a stuck worker, the watchdog may
// both try.
struct Job
{
    QUrl url;
    QString hostOverride;
    std::function<void(const PacResult &)> deliver;
    std::atomic<bool> done {false};

    void complete(const PacResult &result)
    {
        if (!done.exchange(true))
            deliver(result);
    }
};

struct Configuration
{
    PacEnvironment environment;
    QString script;
    QString name;
    ProxyCandidate::Source source = ProxyCandidate::Source::Pac;
    bool hasScript = false;
    quint64 version = 0;
};

class Worker;

// State shared by the engine and its worker threads. A worker that cannot be stopped (see
// PacWatchdog) keeps a reference, so this outlives the PacEngine in that case.
struct Shared : std::enable_shared_from_this<Shared>
{
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Job>> jobs;
    Configuration configuration;
    bool stopping = false;
    std::shared_ptr<Worker> current;

    void startWorker(); // with mutex held
    void onStuck(const std::shared_ptr<Worker> &worker);
};

// Owns a thread with its own sandbox. The sandbox (and its QJSEngine) is created, used and
// destroyed there.
class Worker : public std::enable_shared_from_this<Worker>
{
public:
    explicit Worker(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    { }

    void start()
    {
        std::weak_ptr<Worker> weak = shared_from_this();
        std::weak_ptr<Shared> shared = m_shared;
        m_watchdog = std::make_unique<PacWatchdog>(
            [weak, shared] {
                const auto worker = weak.lock();
                const auto s = shared.lock();
                if (worker && s)
                    s->onStuck(worker);
            },
            kStuckGrace);
        m_finished = m_finishedPromise.get_future();
        m_thread = std::thread([self = shared_from_this()] { self->run(); });
    }

    // Called with Shared::mutex held.
    void abandon() { m_abandoned = true; }
    bool isAbandoned() const { return m_abandoned; }
    void interrupt() { m_watchdog->interruptNow(); }
    std::shared_ptr<Job> inFlight() const { return m_inFlight; }

    // Joins the thread if it ends within grace, detaches it otherwise (a stuck script).
    void finish(std::chrono::milliseconds grace)
    {
        if (!m_thread.joinable())
            return;
        if (m_finished.wait_for(grace) == std::future_status::ready) {
            m_thread.join();
        } else {
            qCCritical(lcQtwsPac) << "PAC worker thread does not stop; leaving it behind";
            m_thread.detach();
        }
    }

private:
    void run()
    {
        t_isPacWorker = true;
        quint64 version = 0;
        for (;;) {
            std::shared_ptr<Job> job;
            {
                std::unique_lock<std::mutex> lock(m_shared->mutex);
                m_inFlight.reset();
                m_shared->wake.wait(lock, [this] {
                    return m_shared->stopping || m_abandoned || !m_shared->jobs.empty();
                });
                if (m_shared->stopping || m_abandoned)
                    break;
                job = std::move(m_shared->jobs.front());
                m_shared->jobs.pop_front();
                m_inFlight = job;
                if (m_shared->configuration.version != version) {
                    m_configuration = m_shared->configuration;
                    version = m_configuration.version;
                    m_sandbox.reset();
                    m_loadError = PacResult();
                }
            }
            job->complete(evaluate(job->url, job->hostOverride));
        }
        m_sandbox.reset();
        m_finishedPromise.set_value();
    }

    PacResult evaluate(const QUrl &url, const QString &hostOverride)
    {
        if (!m_configuration.hasScript)
            return makeError(PacError::NoScript);
        if (m_sandbox && m_sandbox->isSpoiled()) {
            qCDebug(lcQtwsPac) << m_configuration.name
                               << "rebuilding the engine after an interrupt";
            m_sandbox.reset();
        }
        if (!m_loadError.isValid())
            return m_loadError; // sticky until another script or environment is set
        if (!m_sandbox) {
            const PacEnvironment &env = m_configuration.environment;
            if (m_configuration.script.size() > env.maxScriptSize) {
                m_loadError = makeError(PacError::ScriptTooLarge);
                m_loadError.errorString
                    = QStringLiteral("PAC script %1: %2: %3 characters, limit %4")
                          .arg(m_configuration.name, pacErrorName(PacError::ScriptTooLarge))
                          .arg(m_configuration.script.size())
                          .arg(env.maxScriptSize);
                qCWarning(lcQtwsPac).noquote() << m_loadError.errorString;
                return m_loadError;
            }
            m_sandbox = std::make_unique<PacSandbox>(
                env, m_watchdog.get(), m_configuration.name, m_configuration.source);
            PacResult loaded = m_sandbox->load(m_configuration.script);
            if (!loaded.isValid()) {
                qCWarning(lcQtwsPac).noquote() << loaded.errorString;
                m_sandbox.reset();
                m_loadError = loaded;
                return m_loadError;
            }
        }
        const QString host = hostOverride.isEmpty() ? url.host(QUrl::FullyEncoded) : hostOverride;
        PacResult result
            = m_sandbox->evaluate(PacEngine::scriptUrl(url, m_configuration.environment), host);
        if (!result.isValid())
            qCDebug(lcQtwsPac).noquote() << result.errorString;
        return result;
    }

    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<PacWatchdog> m_watchdog;
    std::thread m_thread;
    std::promise<void> m_finishedPromise;
    std::future<void> m_finished;
    bool m_abandoned = false; // guarded by Shared::mutex
    std::shared_ptr<Job> m_inFlight; // guarded by Shared::mutex
    // Touched only on the worker thread:
    Configuration m_configuration;
    PacResult m_loadError;
    std::unique_ptr<PacSandbox> m_sandbox;
};

void Shared::startWorker()
{
    current = std::make_shared<Worker>(shared_from_this());
    current->start();
}

void Shared::onStuck(const std::shared_ptr<Worker> &worker)
{
    std::shared_ptr<Job> job;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (worker->isAbandoned() || worker != current)
            return;
        qCCritical(lcQtwsPac).noquote()
            << "PAC script" << configuration.name
            << "ignores the interrupt (recursion from catch blocks?); abandoning its thread";
        worker->abandon();
        job = worker->inFlight();
        current.reset();
        if (!stopping)
            startWorker(); // serves the queued requests with a fresh engine
    }
    wake.notify_all();
    if (job) {
        PacResult result = makeError(PacError::Timeout,
            QStringLiteral("PAC script %1 did not stop when interrupted").arg(configuration.name));
        job->complete(result);
    }
    // Detaches: the thread is still running the script.
    worker->finish(std::chrono::milliseconds(0));
}

} // namespace

class PacEnginePrivate
{
public:
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
    // Delivery of asynchronous results: set to null under deliveryMutex when the engine dies.
    std::shared_ptr<std::mutex> deliveryMutex = std::make_shared<std::mutex>();
    std::shared_ptr<PacEngine *> engine;

    void submit(std::shared_ptr<Job> job)
    {
        {
            std::lock_guard<std::mutex> lock(shared->mutex);
            shared->jobs.push_back(std::move(job));
        }
        shared->wake.notify_all();
    }
};

PacEngine::PacEngine(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<PacEnginePrivate>())
{
    Q_D(PacEngine);
    d->engine = std::make_shared<PacEngine *>(this);
    std::lock_guard<std::mutex> lock(d->shared->mutex);
    d->shared->startWorker();
}

PacEngine::~PacEngine()
{
    Q_D(PacEngine);
    {
        std::lock_guard<std::mutex> lock(*d->deliveryMutex);
        *d->engine = nullptr;
    }
    std::shared_ptr<Worker> worker;
    std::deque<std::shared_ptr<Job>> pending;
    {
        std::lock_guard<std::mutex> lock(d->shared->mutex);
        d->shared->stopping = true;
        pending.swap(d->shared->jobs);
        worker = d->shared->current;
        d->shared->current.reset();
        if (worker)
            worker->interrupt();
    }
    d->shared->wake.notify_all();
    for (const std::shared_ptr<Job> &job : pending)
        job->complete(
            makeError(PacError::EngineUnavailable, QStringLiteral("the engine was destroyed")));
    if (worker)
        worker->finish(kStuckGrace);
}

void PacEngine::setEnvironment(const PacEnvironment &environment)
{
    Q_D(PacEngine);
    std::lock_guard<std::mutex> lock(d->shared->mutex);
    d->shared->configuration.environment = environment;
    ++d->shared->configuration.version;
}

PacEnvironment PacEngine::environment() const
{
    Q_D(const PacEngine);
    std::lock_guard<std::mutex> lock(d->shared->mutex);
    return d->shared->configuration.environment;
}

void PacEngine::setScript(const QString &script, const QString &name, ProxyCandidate::Source source)
{
    Q_D(PacEngine);
    std::lock_guard<std::mutex> lock(d->shared->mutex);
    Configuration &c = d->shared->configuration;
    c.script = script;
    c.name = name;
    c.source = source;
    c.hasScript = true;
    ++c.version;
}

QString PacEngine::scriptName() const
{
    Q_D(const PacEngine);
    std::lock_guard<std::mutex> lock(d->shared->mutex);
    return d->shared->configuration.name;
}

void PacEngine::findProxyForUrl(const QUrl &url, const QObject *context,
    std::function<void(const PacResult &)> callback, const QString &hostOverride)
{
    Q_D(PacEngine);
    QPointer<QObject> guard(const_cast<QObject *>(context));
    const bool hasContext = context != nullptr;
    auto job = std::make_shared<Job>();
    job->url = url;
    job->hostOverride = hostOverride;
    job->deliver = [mutex = d->deliveryMutex, engine = d->engine, guard, hasContext,
                       callback = std::move(callback)](const PacResult &result) {
        // Runs on a worker (or watchdog) thread. Hop to the engine's thread first: the engine
        // outlives every event posted to itself, which makes the QPointer check there safe; then on
        // to the context's thread.
        std::lock_guard<std::mutex> lock(*mutex);
        if (!*engine)
            return;
        QMetaObject::invokeMethod(
            *engine,
            [guard, hasContext, callback, result] {
                QObject *target = guard.data();
                if (!target && hasContext)
                    return;
                if (!target || target->thread() == QThread::currentThread()) {
                    callback(result);
                    return;
                }
                QMetaObject::invokeMethod(
                    target, [callback, result] { callback(result); }, Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    };
    d->submit(std::move(job));
}

PacResult PacEngine::findProxyForUrlSync(const QUrl &url, const QString &hostOverride)
{
    Q_D(PacEngine);
    if (t_isPacWorker)
        return makeError(PacError::EngineUnavailable,
            QStringLiteral("synchronous request from a PAC worker thread"));
    auto promise = std::make_shared<std::promise<PacResult>>();
    std::future<PacResult> future = promise->get_future();
    auto job = std::make_shared<Job>();
    job->url = url;
    job->hostOverride = hostOverride;
    job->deliver = [promise](const PacResult &result) { promise->set_value(result); };
    d->submit(std::move(job));
    return future.get();
}

QString PacEngine::scriptUrl(const QUrl &url, const PacEnvironment &environment)
{
    const QString scheme = url.scheme();
    // ws:// and wss:// stay as they are (RFC 6455 §4.1 defines them as the URL's scheme); encrypted
    // requests reveal only scheme, host and port.
    const bool strip = environment.stripSecurePathAndQuery && Protocol::isSecureScheme(scheme);
    // Credentials and fragments never reach a PAC script (Chromium strips them for every scheme).
    if (!strip && !url.hasFragment() && url.userInfo().isEmpty())
        return url.toString(QUrl::FullyEncoded); // the common case, without copying the URL
    QUrl u = url;
    u.setUserInfo(QString());
    u.setFragment(QString());
    if (strip) {
        u.setPath(QStringLiteral("/"));
        u.setQuery(QString());
    }
    return u.toString(QUrl::FullyEncoded);
}

} // namespace QtWs
