// SPDX-License-Identifier: LGPL-3.0-or-later
#include "prober.h"

#include "proxycredentials.h"

#include <qtws/websocket.h>

using QtWs::WebSocket;

namespace {
constexpr std::chrono::milliseconds AttemptTimeout {10000};

QJsonValue hopJson(const QtWs::ProxyCandidate &hop)
{
    return hop.toPacString();
}
} // namespace

Prober::Prober(ProxyCredentials *credentials, QObject *parent)
    : QObject(parent)
    , m_credentials(credentials)
{ }

void Prober::probe(const QUrl &url, Callback done)
{
    auto job = std::make_shared<Job>();
    job->url = url;
    job->done = std::move(done);
    job->result.insert(QStringLiteral("url"), url.toString(QUrl::RemoveUserInfo));
    auto *resolver = QtWs::ProxyResolver::shared();
    resolver->resolve(url, this,
        [this, job](const QtWs::ProxyResolution &resolution) { resolved(job, resolution); });
}

void Prober::resolved(std::shared_ptr<Job> job, const QtWs::ProxyResolution &resolution)
{
    QJsonObject r;
    if (resolution.isValid()) {
        QJsonArray candidates;
        for (const QtWs::ProxyCandidate &c : resolution.candidates())
            candidates.append(hopJson(c));
        r.insert(QStringLiteral("candidates"), candidates);
        r.insert(QStringLiteral("reason"), resolution.reason());
        job->hops = resolution.candidates();
    } else {
        r.insert(QStringLiteral("errorString"), resolution.errorString());
    }
    job->result.insert(QStringLiteral("resolution"), r);
    next(job);
}

void Prober::next(std::shared_ptr<Job> job)
{
    const QList<QtWs::Strategy> strategies = QtWs::allStrategies();
    if (job->strategy >= strategies.size()) {
        job->strategy = 0;
        ++job->hop;
    }
    if (job->hop >= job->hops.size()) {
        bool works = false;
        for (const QJsonValue &run : std::as_const(job->runs))
            works = works || run.toObject().value(u"works").toBool();
        job->result.insert(QStringLiteral("runs"), job->runs);
        job->result.insert(QStringLiteral("works"), works);
        job->done(job->result);
        return;
    }
    const QtWs::ProxyCandidate hop = job->hops.at(job->hop);
    // The resolver decided already: this hop alone, loopback targets included.
    QtWs::ProxyConfiguration pinned = QtWs::ProxyConfiguration::manual({hop});
    pinned.setProxyLoopback(true);
    QtWs::WebSocketOptions options;
    options.setProxyConfiguration(pinned);
    options.setStrategies({strategies.at(job->strategy++)});
    options.setStrategyCacheEnabled(false);
    options.setHandshakeTimeout(AttemptTimeout);
    options.setConnectTimeout(AttemptTimeout);
    auto *socket = new WebSocket(this);
    m_credentials->watch(socket);
    connect(socket, &WebSocket::connected, socket, [socket] { socket->close(); });
    connect(socket, &WebSocket::disconnected, this, [this, job, socket] { finished(job, socket); });
    QNetworkRequest request(job->url);
    socket->open(request, options);
}

void Prober::finished(std::shared_ptr<Job> job, WebSocket *socket)
{
    socket->deleteLater();
    const QtWs::ConnectReport report = socket->connectReport();
    if (socket->error() != WebSocket::Error::NoApplicableStrategy && !report.attempts().isEmpty()) {
        QJsonArray attempts;
        for (const QtWs::ConnectAttempt &a : report.attempts())
            attempts.append(a.toJson());
        const QtWs::Strategy strategy = report.attempts().constFirst().strategy();
        job->runs.append(QJsonObject {
            {QStringLiteral("hop"), hopJson(job->hops.at(job->hop))},
            {QStringLiteral("strategy"), QtWs::strategyName(strategy)},
            {QStringLiteral("works"), report.isConnected()},
            {QStringLiteral("error"), report.isConnected() ? QString() : socket->errorString()},
            {QStringLiteral("attempts"), attempts},
        });
    }
    next(job);
}
