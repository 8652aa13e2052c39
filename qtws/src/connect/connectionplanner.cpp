// SPDX-License-Identifier: LGPL-3.0-or-later
#include "connectionplanner.h"

#include "common/logging.h"
#include "connectmemory.h"
#include "pollingpath.h"
#include "protocol/url.h"
#include "transport/bytestream.h"
#include "transport/messagechannel.h"

#include <qtws/strategycache.h>

#include <QtCore/QScopedValueRollback>
#include <QtCore/QTimerEvent>

#include <algorithm>

namespace QtWs {

using Failure = ConnectAttempt::Failure;

namespace {

// How far an attempt got: the failure of the attempt that got furthest says most about why the
// connection is impossible (a server that refused the upgrade beats a proxy that refused a tunnel,
// which beats a proxy that could not be reached).
int depth(Failure failure)
{
    switch (failure) {
    case Failure::HandshakeRejected:
    case Failure::HandshakeInvalid:
    case Failure::TlsFailed:
        return 5;
    case Failure::ProxyAuthentication:
        return 4;
    case Failure::ProxyRefused:
    case Failure::UpgradeNotForwarded:
    case Failure::ProxyProtocol:
        return 3;
    case Failure::Timeout:
        return 2;
    case Failure::ConnectionFailed:
    case Failure::ProxyUnreachable:
        return 1;
    case Failure::None:
        break;
    }
    return 0;
}

// One attempt in the error sentence; its technical detail stays in the report.
QString attemptLine(const ConnectAttempt &a, bool withDetail)
{
    QString line = strategyName(a.strategy()) + QStringLiteral(" via ")
        + a.candidate().toPacString() + QStringLiteral(": ") + a.reason();
    if (withDetail && !a.detail().isEmpty() && a.failure() != Failure::None)
        line += QStringLiteral(" (") + a.detail() + u')';
    return line;
}

ProxyCandidate candidateFor(const QNetworkProxy &proxy)
{
    const ProxyCandidate::Type type = proxy.type() == QNetworkProxy::Socks5Proxy
        ? ProxyCandidate::Type::Socks5
        : ProxyCandidate::Type::Http;
    ProxyCandidate c(type, proxy.hostName(), proxy.port(), ProxyCandidate::Source::Explicit,
        QStringLiteral("QNetworkProxy"));
    if (!proxy.user().isEmpty() || !proxy.password().isEmpty())
        c.setCredentials(proxy.user(), proxy.password());
    return c;
}

} // namespace

ConnectionPlanner::ConnectionPlanner(std::shared_ptr<AttemptContext> context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_report(m_context->url)
{ }

ConnectionPlanner::~ConnectionPlanner()
{
    cancel();
    delete m_channel;
}

ConnectReport ConnectionPlanner::report() const
{
    ConnectReport r = m_report;
    for (const Running &run : m_running)
        r.updateAttempt(run.reportIndex, run.attempt->record());
    if (!m_finished)
        r.setDuration(m_context->sinceOpen());
    return r;
}

Protocol::HttpRequestHead ConnectionPlanner::latestUpgradeRequest() const
{
    for (auto it = m_running.crbegin(); it != m_running.crend(); ++it) {
        if (it->attempt->hasSentUpgrade())
            return it->attempt->upgradeRequest();
    }
    return Protocol::HttpRequestHead();
}

MessageChannel *ConnectionPlanner::takeChannel()
{
    MessageChannel *channel = m_channel;
    m_channel = nullptr;
    if (channel)
        channel->setParent(nullptr);
    return channel;
}

std::chrono::milliseconds ConnectionPlanner::remaining() const
{
    const qint64 left
        = m_context->options.connectTimeout().count() - m_context->sinceOpen().count();
    return std::chrono::milliseconds(std::max<qint64>(left, 1));
}

void ConnectionPlanner::start(ProxyResolver *resolver)
{
    const QScopedValueRollback starting(m_starting, true);
    ConnectMemory::watchNetworkChanges();
    m_deadline.start(m_context->clock, this, m_context->options.connectTimeout());
    bool isExplicit = false;
    const QList<ProxyCandidate> candidates = explicitCandidates(&isExplicit);
    const quint64 generation = ++m_generation;
    if (isExplicit) {
        const QNetworkProxy proxy = m_context->options.proxy();
        const ProxyResolution resolution = candidates.isEmpty()
            ? ProxyResolution::failure(m_context->url, ProxyError::Error::PacNoUsableProxy,
                QStringLiteral("QNetworkProxy type %1 cannot carry a WebSocket").arg(proxy.type()))
            : ProxyResolution::success(m_context->url, candidates,
                proxy.type() == QNetworkProxy::NoProxy
                    ? QStringLiteral("the application asked for no proxy (QNetworkProxy::NoProxy)")
                    : QStringLiteral("the application's QNetworkProxy"));
        // Never from inside start(): the caller is in the middle of WebSocket::open().
        QMetaObject::invokeMethod(
            this,
            [this, generation, resolution] {
                if (generation == m_generation && !m_finished)
                    onResolved(resolution);
            },
            Qt::QueuedConnection);
        return;
    }
    if (!resolver) {
        QMetaObject::invokeMethod(
            this,
            [this, generation] {
                if (generation == m_generation && !m_finished)
                    onResolved(
                        ProxyResolution::failure(m_context->url, ProxyError::Error::Cancelled,
                            QStringLiteral("No proxy resolver in this thread")));
            },
            Qt::QueuedConnection);
        return;
    }
    resolver->resolve(m_context->url, m_context->options.proxyConfiguration(), this,
        [this, generation](const ProxyResolution &resolution) {
            if (generation == m_generation && !m_finished)
                onResolved(resolution);
        });
}

QList<ProxyCandidate> ConnectionPlanner::explicitCandidates(bool *isExplicit) const
{
    const QNetworkProxy proxy = m_context->options.proxy();
    *isExplicit = true;
    switch (proxy.type()) {
    case QNetworkProxy::DefaultProxy:
        *isExplicit = false;
        return {};
    case QNetworkProxy::NoProxy:
        return {ProxyCandidate::direct(
            ProxyCandidate::Source::Explicit, QStringLiteral("QNetworkProxy::NoProxy"))};
    case QNetworkProxy::HttpProxy:
    case QNetworkProxy::HttpCachingProxy:
    case QNetworkProxy::Socks5Proxy:
        return {candidateFor(proxy)};
    case QNetworkProxy::FtpCachingProxy:
        break;
    }
    return {};
}

void ConnectionPlanner::onResolved(const ProxyResolution &resolution)
{
    m_report.setResolution(resolution);
    Q_EMIT resolved();
    if (m_finished)
        return;
    if (resolution.error() != ProxyError::Error::NoError) {
        // Fail closed: a configuration that cannot be evaluated is never read as DIRECT.
        finish(WebSocket::Error::ProxyResolutionFailed,
            QStringLiteral("The proxy configuration could not be evaluated for %1: %2 (qtws does "
                           "not connect directly in its place)")
                .arg(m_context->url.toDisplayString(), resolution.errorString()));
        return;
    }
    qCDebug(lcQtwsTransport, "[%p] %lld candidate(s) for %s: %s", static_cast<void *>(this),
        qint64(resolution.candidates().size()), qPrintable(m_context->url.toDisplayString()),
        qPrintable(resolution.reason()));
    plan(resolution.candidates());
    startNext();
}

void ConnectionPlanner::plan(const QList<ProxyCandidate> &candidates)
{
    QList<ProxyCandidate> moved;
    const QList<ProxyCandidate> ordered = ConnectMemory::orderForRetry(candidates, &moved);
    for (const ProxyCandidate &hop : std::as_const(moved))
        m_report.addNote(QStringLiteral("%1 is tried last: it could not be reached in the last "
                                        "5 minutes")
                             .arg(hop.toPacString()));
    const QUrl &url = m_context->url;
    const bool useCache = m_context->options.isStrategyCacheEnabled();
    for (const ProxyCandidate &hop : ordered) {
        QList<Strategy> strategies;
        QStringList skipped;
        for (Strategy s : m_context->options.strategies()) {
            QString whyNot;
            if (Attempt::applies(s, hop, url, &whyNot))
                strategies.append(s);
            else if (s != Strategy::Direct && s != Strategy::SocksTunnel && !hop.isDirect())
                skipped.append(strategyName(s) + QStringLiteral(" (") + whyNot + u')');
        }
        if (useCache) {
            const std::optional<Strategy> cached = StrategyCache::lookup(hop, url);
            // BareUpgrade runs where it is asked for, or where it worked before (issue 14).
            if (cached
                && (strategies.removeOne(*cached)
                    || (*cached == Strategy::BareUpgrade && Attempt::applies(*cached, hop, url)))) {
                strategies.prepend(*cached);
                m_report.addNote(QStringLiteral("%1 first through %2: it worked last time")
                                     .arg(strategyName(*cached), hop.toPacString()));
            }
        }
        if (!skipped.isEmpty())
            m_report.addNote(QStringLiteral("through %1, not tried: %2")
                                 .arg(hop.toPacString(), skipped.join(QStringLiteral(", "))));
        if (strategies.isEmpty())
            m_report.addNote(
                QStringLiteral("%1: no enabled strategy applies to it").arg(hop.toPacString()));
        for (Strategy s : std::as_const(strategies))
            m_plan.append({hop, s});
    }
}

void ConnectionPlanner::startNext()
{
    if (m_finished)
        return;
    if (m_next >= m_plan.size()) {
        if (m_running.empty())
            failAll();
        return;
    }
    Attempt *attempt = launch(m_plan.at(m_next++));
    const std::chrono::milliseconds timeout
        = std::min(m_context->options.handshakeTimeout(), remaining());
    attempt->start(timeout);
    if (!attempt->isFinished()) {
        const ConnectAttempt record = attempt->record();
        const QPointer<ConnectionPlanner> alive(this);
        if (m_listener)
            m_listener->plannerAttemptStarted(record);
        if (!alive)
            return;
        Q_EMIT attemptStarted(record);
    }
    armRacingTimer();
}

Attempt *ConnectionPlanner::launch(const Step &step)
{
    auto *attempt = new Attempt(step.hop, step.strategy, m_context, this);
    // Running attempts are merged into report() when it is asked for; the stored record is
    // updated when the attempt ends.
    attempt->setListener(this);
    m_report.addAttempt(attempt->record());
    m_running.push_back({attempt, m_report.attempts().size() - 1});
    return attempt;
}

void ConnectionPlanner::startOnStream(ByteStream *stream)
{
    const QScopedValueRollback starting(m_starting, true);
    m_deadline.start(m_context->clock, this, m_context->options.connectTimeout());
    const ProxyCandidate direct = ProxyCandidate::direct(
        ProxyCandidate::Source::Explicit, QStringLiteral("a connected stream"));
    m_report.setResolution(ProxyResolution::success(m_context->url, {direct},
        QStringLiteral("the caller handed over a connected stream (%1)")
            .arg(stream->peerDescription())));
    Attempt *attempt = launch({direct, Strategy::Direct});
    attempt->startOnStream(stream, std::min(m_context->options.handshakeTimeout(), remaining()));
}

void ConnectionPlanner::armRacingTimer()
{
    const std::chrono::milliseconds delay = m_context->options.racingDelay();
    if (delay.count() > 0 && m_next < m_plan.size()
        && qsizetype(m_running.size()) < MaxParallelAttempts)
        m_racing.start(m_context->clock, this, delay);
    else
        m_racing.stop();
}

void ConnectionPlanner::attemptFinished(Attempt *attempt)
{
    onAttemptFinished(attempt);
}

void ConnectionPlanner::attemptSslErrors(const QList<QSslError> &errors)
{
    const QPointer<ConnectionPlanner> alive(this);
    if (m_listener)
        m_listener->plannerSslErrors(errors);
    if (alive)
        Q_EMIT sslErrors(errors);
}

void ConnectionPlanner::attemptProxyAuthenticationRequired(
    const QNetworkProxy &proxy, QAuthenticator *authenticator)
{
    const QPointer<ConnectionPlanner> alive(this);
    if (m_listener)
        m_listener->plannerProxyAuthenticationRequired(proxy, authenticator);
    if (alive)
        Q_EMIT proxyAuthenticationRequired(proxy, authenticator);
}

void ConnectionPlanner::emitFinished()
{
    const QPointer<ConnectionPlanner> alive(this);
    if (m_listener)
        m_listener->plannerFinished();
    if (alive)
        Q_EMIT finished();
}

void ConnectionPlanner::onAttemptFinished(Attempt *attempt)
{
    const auto it = std::find_if(m_running.begin(), m_running.end(),
        [attempt](const Running &run) { return run.attempt == attempt; });
    if (it == m_running.end() || m_finished)
        return;
    const ConnectAttempt record = attempt->record();
    m_report.updateAttempt(it->reportIndex, record);
    m_running.erase(it);
    const QPointer<ConnectionPlanner> alive(this);
    if (m_listener)
        m_listener->plannerAttemptFinished(record);
    if (!alive)
        return;
    Q_EMIT attemptFinished(record);
    if (!alive || m_finished)
        return;
    if (attempt->isSucceeded()) {
        succeed(attempt);
        return;
    }
    m_failures.emplace_back(attempt->error(), record);
    if (m_context->options.isStrategyCacheEnabled())
        StrategyCache::forget(attempt->hop(), m_context->url, attempt->strategy());
    // A hop that cannot be reached, or that refuses our credentials, will do the same to every
    // other strategy: go on with the next hop.
    if (record.failure() == Failure::ProxyUnreachable
        || record.failure() == Failure::ProxyAuthentication)
        skipHop(attempt->hop());
    else if (record.strategy() != Strategy::Polling
        && (record.failure() == Failure::ConnectionFailed
            || record.failure() == Failure::TlsFailed))
        skipPollingToSameServer(attempt->hop());
    attempt->deleteLater();
    startNext();
}

void ConnectionPlanner::skipPollingToSameServer(const ProxyCandidate &hop)
{
    // The polling fallback helps where the upgrade is lost on the way, not where the server itself
    // could not be reached (or its certificate was refused) through this hop: polling the same
    // host and port through the same hop would fail the same way.
    const QUrl endpoint = pollingEndpointFor(m_context->url, m_context->options);
    const QUrl &url = m_context->url;
    if (endpoint.host().compare(url.host(), Qt::CaseInsensitive) != 0
        || Protocol::effectivePort(endpoint) != Protocol::effectivePort(url))
        return;
    const auto first = m_plan.begin() + m_next;
    const auto end = std::remove_if(first, m_plan.end(),
        [&hop](const Step &s) { return s.hop == hop && s.strategy == Strategy::Polling; });
    if (end == m_plan.end())
        return;
    m_plan.erase(end, m_plan.end());
    m_report.addNote(QStringLiteral("polling through %1 skipped: the server could not be reached "
                                    "through this hop, and the polling endpoint is the same server")
                         .arg(hop.toPacString()));
}

void ConnectionPlanner::skipHop(const ProxyCandidate &hop)
{
    const auto first = m_plan.begin() + m_next;
    const auto end
        = std::remove_if(first, m_plan.end(), [&hop](const Step &s) { return s.hop == hop; });
    const qsizetype removed = m_plan.end() - end;
    m_plan.erase(end, m_plan.end());
    if (removed > 0)
        m_report.addNote(QStringLiteral("%1 further strateg%2 through %3 skipped")
                             .arg(removed)
                             .arg(removed == 1 ? QStringLiteral("y") : QStringLiteral("ies"))
                             .arg(hop.toPacString()));
}

void ConnectionPlanner::succeed(Attempt *attempt)
{
    m_channel = attempt->takeChannel();
    m_channel->setParent(this);
    if (m_context->options.isStrategyCacheEnabled())
        StrategyCache::store(attempt->hop(), m_context->url, attempt->strategy());
    attempt->deleteLater();
    finish(WebSocket::Error::NoError, QString());
}

void ConnectionPlanner::failAll()
{
    if (m_failures.empty()) {
        finish(WebSocket::Error::NoApplicableStrategy,
            QStringLiteral("No enabled strategy applies to any entry of the proxy list for %1 "
                           "(see WebSocketOptions::strategies())")
                .arg(m_context->url.toDisplayString()));
        return;
    }
    // The attempt that got furthest names the error; the message lists every attempt. Between
    // equals, a WebSocket strategy's failure says more than the polling fallback's; and a server
    // without an Engine.IO endpoint (most WebSocket servers) says nothing about why the upgrade
    // strategies failed.
    const auto rank = [](const ConnectAttempt &a) {
        if (a.strategy() != Strategy::Polling)
            return depth(a.failure()) * 2 + 1;
        const bool noEndpoint
            = a.failure() == Failure::HandshakeRejected || a.failure() == Failure::HandshakeInvalid;
        return noEndpoint ? 0 : depth(a.failure()) * 2;
    };
    // Between equal ranks the last attempt names the error (a loop: std::max_element keeps the
    // first of equals, and a non-strict comparator is undefined behaviour there).
    auto best = m_failures.begin();
    for (auto it = m_failures.begin(); it != m_failures.end(); ++it) {
        if (rank(it->second) >= rank(best->second))
            best = it;
    }
    QStringList lines;
    // The attempt that names the error keeps its detail (the certificate error, the header that
    // was wrong), so that the sentence says why as precisely as a single attempt would.
    for (auto it = m_failures.begin(); it != m_failures.end(); ++it)
        lines.append(attemptLine(it->second, it == best));
    const QString message = m_failures.size() == 1
        ? lines.constFirst()
        : QStringLiteral("Every way to %1 failed: %2")
              .arg(m_context->url.toDisplayString(), lines.join(QStringLiteral("; ")));
    finish(best->first, message);
}

void ConnectionPlanner::finish(WebSocket::Error error, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    m_racing.stop();
    m_error = error;
    m_errorString = message;
    for (const Running &run : m_running) {
        run.attempt->cancel();
        m_report.updateAttempt(run.reportIndex, run.attempt->record());
        run.attempt->deleteLater();
    }
    m_running.clear();
    m_report.setDuration(m_context->sinceOpen());
    m_report.finish(error == WebSocket::Error::NoError, message);
    // Never from inside start(); from a timer or an attempt's end, at once (a deadline that
    // expires reports in the same turn).
    if (m_starting)
        QMetaObject::invokeMethod(this, &ConnectionPlanner::emitFinished, Qt::QueuedConnection);
    else
        emitFinished();
}

void ConnectionPlanner::cancel()
{
    if (m_finished)
        return;
    m_finished = true;
    ++m_generation;
    m_deadline.stop();
    m_racing.stop();
    for (const Running &run : m_running) {
        run.attempt->cancel();
        m_report.updateAttempt(run.reportIndex, run.attempt->record());
        run.attempt->deleteLater();
    }
    m_running.clear();
}

void ConnectionPlanner::ignoreSslErrors(const QList<QSslError> &errors)
{
    for (const QSslError &e : errors) {
        if (!m_context->ignoredSslErrors.contains(e))
            m_context->ignoredSslErrors.append(e);
    }
    for (const Running &run : m_running)
        run.attempt->ignoreSslErrors(errors);
}

void ConnectionPlanner::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_racing.id()) {
        m_racing.stop();
        if (!m_finished && !m_running.empty())
            startNext();
        return;
    }
    if (event->timerId() != m_deadline.id())
        return QObject::timerEvent(event);
    m_deadline.stop();
    QStringList lines;
    for (const auto &f : m_failures)
        lines.append(attemptLine(f.second, false));
    for (const Running &run : m_running)
        lines.append(strategyName(run.attempt->strategy()) + QStringLiteral(" via ")
            + run.attempt->hop().toPacString() + QStringLiteral(": still running"));
    finish(WebSocket::Error::ConnectTimeout,
        QStringLiteral("Could not connect to %1 within %2 ms%3")
            .arg(m_context->url.toDisplayString())
            .arg(m_context->options.connectTimeout().count())
            .arg(lines.isEmpty() ? QString()
                                 : QStringLiteral(": ") + lines.join(QStringLiteral("; "))));
}

} // namespace QtWs
