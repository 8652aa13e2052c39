// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacengine.h"

#include "common/logging.h"
#include "pachelperclient.h"
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

// Set on worker threads, and on a thread while it evaluates a synchronous request itself, where a
// synchronous request (from an environment function) would wait for itself.
thread_local bool t_isPacWorker = false;

PacResult makeError(PacError error, const QString &detail = QString())
{
    PacResult result;
    result.error = error;
    result.errorString = detail.isEmpty() ? pacErrorName(error)
                                          : pacErrorName(error) + QStringLiteral(": ") + detail;
    return result;
}

// One request. complete() runs at most once: the worker and the destructor (for queued requests)
// may both try.
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

// At most this many queued requests go to the helper in one write (and about this many characters
// of URLs and hosts), so that a long queue does not make one large batch.
constexpr size_t kMaxBatch = 32;
constexpr qsizetype kMaxBatchChars = 32 * 1024;

// The script's state in its helper process. Used by one thread at a time (Shared::executing): the
// worker, or a thread in findProxyForUrlSync() when nothing is queued or running, which then talks
// to the helper itself instead of waking the worker and waiting for it.
class Evaluator
{
public:
    explicit Evaluator(std::function<bool()> stopRequested)
        : m_helper(std::move(stopRequested))
    { }

    // Takes a new configuration (with the engine's mutex held); the script is loaded on next use.
    void configure(const Configuration &configuration)
    {
        if (configuration.version == m_configuration.version)
            return;
        m_configuration = configuration;
        m_loaded = false;
        m_loadError = PacResult();
    }

    PacResult evaluate(const QUrl &url, const QString &hostOverride)
    {
        if (!m_configuration.hasScript)
            return makeError(PacError::NoScript);
        PacResult error;
        if (!ensureLoaded(&error))
            return error;
        PacResult result = m_helper.evaluate(
            PacEngine::scriptUrl(url, m_configuration.environment), host(url, hostOverride));
        if (!result.isValid())
            qCDebug(lcQtwsPac).noquote() << result.errorString;
        return result;
    }

    // Pipelined: all of them in one write to the helper, each completed as its answer arrives.
    void evaluate(const std::vector<std::shared_ptr<Job>> &jobs)
    {
        PacResult error = makeError(PacError::NoScript);
        if (!m_configuration.hasScript || !ensureLoaded(&error)) {
            for (const std::shared_ptr<Job> &job : jobs)
                job->complete(error);
            return;
        }
        // Large URLs go in several writes, so that the helper's input stays small.
        size_t first = 0;
        while (first < jobs.size()) {
            m_requests.clear();
            qsizetype chars = 0;
            size_t end = first;
            while (end < jobs.size() && (end == first || chars < kMaxBatchChars)) {
                const Job &job = *jobs[end++];
                m_requests.push_back({PacEngine::scriptUrl(job.url, m_configuration.environment),
                    host(job.url, job.hostOverride)});
                chars += m_requests.back().url.size() + m_requests.back().host.size();
            }
            m_helper.evaluate(m_requests.data(), qsizetype(m_requests.size()),
                [&jobs, first](qsizetype index, PacResult &&result) {
                    if (!result.isValid())
                        qCDebug(lcQtwsPac).noquote() << result.errorString;
                    jobs[first + size_t(index)]->complete(result);
                });
            first = end;
        }
        m_requests.clear();
    }

private:
    static QString host(const QUrl &url, const QString &hostOverride)
    {
        return hostOverride.isEmpty() ? url.host(QUrl::FullyEncoded) : hostOverride;
    }

    // Loads the configured script into the helper once per configuration. The script's own
    // failures are sticky until another script or environment is set; a helper that could not run
    // it (EngineUnavailable: not started, exited) is tried again by the next request.
    bool ensureLoaded(PacResult *error)
    {
        if (m_loaded)
            return true;
        if (!m_loadError.isValid()) {
            *error = m_loadError;
            return false;
        }
        const PacEnvironment &env = m_configuration.environment;
        if (m_configuration.script.size() > env.maxScriptSize) {
            m_loadError = makeError(PacError::ScriptTooLarge);
            m_loadError.errorString
                = QStringLiteral("PAC script %1: %2: %3 characters, limit %4")
                      .arg(m_configuration.name, pacErrorName(PacError::ScriptTooLarge))
                      .arg(m_configuration.script.size())
                      .arg(env.maxScriptSize);
            qCWarning(lcQtwsPac).noquote() << m_loadError.errorString;
            *error = m_loadError;
            return false;
        }
        PacResult loaded = m_helper.load(
            m_configuration.script, m_configuration.name, m_configuration.source, env);
        if (!loaded.isValid()) {
            qCWarning(lcQtwsPac).noquote() << loaded.errorString;
            if (loaded.error != PacError::EngineUnavailable)
                m_loadError = loaded;
            *error = std::move(loaded);
            return false;
        }
        m_loaded = true;
        return true;
    }

    PacHelperClient m_helper;
    Configuration m_configuration;
    PacResult m_loadError;
    bool m_loaded = false;
    std::vector<PacHelperClient::Request> m_requests;
};

class Worker;

// State shared by the engine and its worker thread.
struct Shared : std::enable_shared_from_this<Shared>
{
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Job>> jobs;
    Configuration configuration;
    bool stopping = false;
    // The evaluator is in use, by the worker or by a synchronous caller.
    bool executing = false;
    // Read without the mutex by a thread waiting for the helper process.
    std::atomic<bool> stopRequested {false};
    std::unique_ptr<Evaluator> evaluator = std::make_unique<Evaluator>(
        [this] { return stopRequested.load(std::memory_order_relaxed); });
    std::shared_ptr<Worker> current;

    void startWorker(); // with mutex held
};

// Owns the thread that serves asynchronous requests (and synchronous ones that find others queued).
// Every wait of the thread is bounded (evaluation timeout plus PacHelperClient::kKillGrace, DNS
// limits), so it can be joined.
class Worker : public std::enable_shared_from_this<Worker>
{
public:
    explicit Worker(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    { }

    void start()
    {
        m_thread = std::thread([self = shared_from_this()] { self->run(); });
    }

    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    void run()
    {
        t_isPacWorker = true;
        Shared &shared = *m_shared;
        std::vector<std::shared_ptr<Job>> batch;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(shared.mutex);
                shared.wake.wait(lock, [&shared] {
                    return shared.stopping || (!shared.jobs.empty() && !shared.executing);
                });
                if (shared.stopping)
                    break;
                while (!shared.jobs.empty() && batch.size() < kMaxBatch) {
                    batch.push_back(std::move(shared.jobs.front()));
                    shared.jobs.pop_front();
                }
                shared.executing = true;
                shared.evaluator->configure(shared.configuration);
            }
            shared.evaluator->evaluate(batch);
            batch.clear();
            std::lock_guard<std::mutex> lock(shared.mutex);
            shared.executing = false;
        }
    }

    std::shared_ptr<Shared> m_shared;
    std::thread m_thread;
};

void Shared::startWorker()
{
    current = std::make_shared<Worker>(shared_from_this());
    current->start();
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
        d->shared->stopRequested = true; // a running evaluation kills its helper
        pending.swap(d->shared->jobs);
        worker = d->shared->current;
        d->shared->current.reset();
    }
    d->shared->wake.notify_all();
    for (const std::shared_ptr<Job> &job : pending)
        job->complete(
            makeError(PacError::EngineUnavailable, QStringLiteral("the engine was destroyed")));
    if (worker)
        worker->join();
    // Nothing uses the helper any more: it is asked to exit (killed if it does not within
    // PacHelperClient::kPollSlice).
    d->shared->evaluator.reset();
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
        // Runs on the worker thread (or the destroying one). Hop to the engine's thread first: the engine
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
    Shared &shared = *d->shared;
    {
        std::unique_lock<std::mutex> lock(shared.mutex);
        if (!shared.stopping && !shared.executing && shared.jobs.empty()) {
            // Nothing ahead of this request: evaluate it on this thread, which saves waking the
            // worker and being woken by it (two thread switches of the four a request costs).
            shared.executing = true;
            shared.evaluator->configure(shared.configuration);
            lock.unlock();
            struct Release
            {
                Shared &shared;
                ~Release()
                {
                    t_isPacWorker = false;
                    std::unique_lock<std::mutex> lock(shared.mutex);
                    shared.executing = false;
                    const bool queued = !shared.jobs.empty();
                    lock.unlock();
                    if (queued)
                        shared.wake.notify_all();
                }
            } release {shared};
            t_isPacWorker = true; // the environment's functions run here and must not come back
            return shared.evaluator->evaluate(url, hostOverride);
        }
    }
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
