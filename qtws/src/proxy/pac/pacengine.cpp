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

// Set on worker threads, where a synchronous request would wait for itself.
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

class Worker;

// State shared by the engine and its worker thread.
struct Shared : std::enable_shared_from_this<Shared>
{
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Job>> jobs;
    Configuration configuration;
    bool stopping = false;
    // Read without the mutex by a worker waiting for its helper process.
    std::atomic<bool> stopRequested {false};
    std::shared_ptr<Worker> current;

    void startWorker(); // with mutex held
};

// Owns a thread and the qtws-pac-helper process it evaluates in. Every wait of the thread is
// bounded (evaluation timeout plus PacHelperClient::kKillGrace, DNS limits), so it can be joined.
class Worker : public std::enable_shared_from_this<Worker>
{
public:
    explicit Worker(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    { }

    void start() { m_thread = std::thread([self = shared_from_this()] { self->run(); }); }

    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    void run()
    {
        t_isPacWorker = true;
        Shared *shared = m_shared.get();
        m_helper = std::make_unique<PacHelperClient>(
            [shared] { return shared->stopRequested.load(std::memory_order_relaxed); });
        quint64 version = 0;
        for (;;) {
            std::shared_ptr<Job> job;
            {
                std::unique_lock<std::mutex> lock(m_shared->mutex);
                m_shared->wake.wait(
                    lock, [this] { return m_shared->stopping || !m_shared->jobs.empty(); });
                if (m_shared->stopping)
                    break;
                job = std::move(m_shared->jobs.front());
                m_shared->jobs.pop_front();
                if (m_shared->configuration.version != version) {
                    m_configuration = m_shared->configuration;
                    version = m_configuration.version;
                    m_loaded = false;
                    m_loadError = PacResult();
                }
            }
            job->complete(evaluate(job->url, job->hostOverride));
        }
        m_helper.reset();
    }

    // Loads the configured script into the helper once per configuration; the error is sticky.
    bool ensureLoaded()
    {
        if (m_loaded)
            return true;
        if (!m_loadError.isValid())
            return false;
        const PacEnvironment &env = m_configuration.environment;
        if (m_configuration.script.size() > env.maxScriptSize) {
            m_loadError = makeError(PacError::ScriptTooLarge);
            m_loadError.errorString = QStringLiteral("PAC script %1: %2: %3 characters, limit %4")
                                          .arg(m_configuration.name,
                                              pacErrorName(PacError::ScriptTooLarge))
                                          .arg(m_configuration.script.size())
                                          .arg(env.maxScriptSize);
            qCWarning(lcQtwsPac).noquote() << m_loadError.errorString;
            return false;
        }
        PacResult loaded = m_helper->load(
            m_configuration.script, m_configuration.name, m_configuration.source, env);
        if (!loaded.isValid()) {
            qCWarning(lcQtwsPac).noquote() << loaded.errorString;
            m_loadError = loaded;
            return false;
        }
        m_loaded = true;
        return true;
    }

    PacResult evaluate(const QUrl &url, const QString &hostOverride)
    {
        if (!m_configuration.hasScript)
            return makeError(PacError::NoScript);
        if (!ensureLoaded())
            return m_loadError; // sticky until another script or environment is set
        const QString host = hostOverride.isEmpty() ? url.host(QUrl::FullyEncoded) : hostOverride;
        PacResult result
            = m_helper->evaluate(PacEngine::scriptUrl(url, m_configuration.environment), host);
        if (!result.isValid())
            qCDebug(lcQtwsPac).noquote() << result.errorString;
        return result;
    }

    std::shared_ptr<Shared> m_shared;
    std::thread m_thread;
    // Touched only on the worker thread:
    Configuration m_configuration;
    PacResult m_loadError;
    bool m_loaded = false;
    std::unique_ptr<PacHelperClient> m_helper;
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
