// SPDX-License-Identifier: LGPL-3.0-or-later
#include "prober.h"

using namespace QtWs;

namespace {

QString hopKind(const ProxyCandidate &hop)
{
    switch (hop.type()) {
    case ProxyCandidate::Type::Direct:
        return QStringLiteral("a DIRECT entry");
    case ProxyCandidate::Type::Http:
        return QStringLiteral("an HTTP proxy");
    case ProxyCandidate::Type::Https:
        return QStringLiteral("an HTTPS proxy");
    case ProxyCandidate::Type::Socks4:
        return QStringLiteral("a SOCKS4 proxy");
    case ProxyCandidate::Type::Socks5:
        return QStringLiteral("a SOCKS5 proxy");
    }
    return QString();
}

// Why \a strategy was not tried, as the planner noted it ("through PROXY p:1, not tried:
// get (not for wss://: ...)"); the planner names only the strategies of the HTTP family that do
// not apply to a proxy, so for the rest the kind of hop is the reason.
QString notApplicableReason(
    const ConnectReport &report, Strategy strategy, const ProxyCandidate &hop)
{
    const QString marker = QStringLiteral("not tried: ");
    const QString name = strategyName(strategy) + QStringLiteral(" (");
    for (const QString &note : report.notes()) {
        const qsizetype list = note.indexOf(marker);
        if (list < 0)
            continue;
        // Entries are "name (reason)", separated by ", "; a reason may hold commas or brackets.
        for (qsizetype at = note.indexOf(name, list); at >= 0; at = note.indexOf(name, at + 1)) {
            if (at != list + marker.size() && note.mid(at - 2, 2) != QLatin1String(", "))
                continue;
            int depth = 1;
            for (qsizetype i = at + name.size(); i < note.size(); ++i) {
                depth += note.at(i) == u'(' ? 1 : note.at(i) == u')' ? -1 : 0;
                if (depth == 0)
                    return note.mid(at + name.size(), i - at - name.size());
            }
        }
    }
    return QStringLiteral("does not apply to %1").arg(hopKind(hop));
}

} // namespace

ConnectAttempt ProbeRow::attempt() const
{
    const QList<ConnectAttempt> attempts = report.attempts();
    return attempts.isEmpty() ? ConnectAttempt() : attempts.constFirst();
}

Prober::Prober(const QUrl &url, const WebSocketOptions &options, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_options(options)
    , m_prompt(QStringLiteral("qtws-probe"))
{ }

Prober::~Prober()
{
    // The sockets use m_resolver: they go before it does (QObject would delete them after).
    qDeleteAll(findChildren<WebSocket *>(Qt::FindDirectChildrenOnly));
}

void Prober::start()
{
    m_resolver.resolve(m_url, m_options.proxyConfiguration(), this,
        [this](const ProxyResolution &resolution) { onResolved(resolution); });
}

void Prober::onResolved(const ProxyResolution &resolution)
{
    m_resolution = resolution;
    if (!resolution.isValid()) {
        Q_EMIT finished();
        return;
    }
    const QList<ProxyCandidate> hops = resolution.candidates();
    for (qsizetype h = 0; h < hops.size(); ++h) {
        for (Strategy s : allStrategies()) {
            ProbeRow row;
            row.hopIndex = h;
            row.hop = hops.at(h);
            row.strategy = s;
            m_rows.append(row);
        }
    }
    pump();
}

// Starts attempts of the current hop up to the bound; the next hop only once this one is done,
// so that a proxy is never asked for more than MaxParallelPerHop connections at once.
void Prober::pump()
{
    while (m_next < m_rows.size() && m_running < MaxParallelPerHop) {
        if (m_rows.at(m_next).hopIndex != m_currentHop) {
            if (m_running > 0)
                break;
            m_currentHop = m_rows.at(m_next).hopIndex;
        }
        launch(m_next++);
    }
    if (m_next == m_rows.size() && m_running == 0)
        Q_EMIT finished();
}

WebSocketOptions Prober::optionsFor(const ProbeRow &row) const
{
    WebSocketOptions options = m_options;
    // This hop alone: the list the resolver answered, cut down to one entry.
    ProxyConfiguration configuration = ProxyConfiguration::manual({row.hop});
    configuration.setProxyLoopback(true);
    options.setProxyConfiguration(configuration);
    options.setStrategies({row.strategy});
    options.setStrategyCacheEnabled(false);
    options.setRacingDelay(std::chrono::milliseconds(0));
    return options;
}

void Prober::launch(qsizetype index)
{
    ++m_running;
    auto *socket = new WebSocket(this);
    socket->setProxyResolver(&m_resolver);
    m_prompt.watch(socket);
    connect(socket, &WebSocket::connected, this, [this, index, socket] {
        record(index, socket);
        socket->close(1000, QStringLiteral("qtws-probe"));
    });
    connect(socket, &WebSocket::disconnected, this, [this, index, socket] {
        if (m_rows.at(index).result == ProbeRow::Result::Pending)
            record(index, socket);
        socket->deleteLater();
        --m_running;
        pump();
    });
    socket->open(QNetworkRequest(m_url), optionsFor(m_rows.at(index)));
}

void Prober::record(qsizetype index, WebSocket *socket)
{
    ProbeRow &row = m_rows[index];
    row.report = socket->connectReport();
    row.error = socket->error();
    row.errorString = socket->errorString();
    if (socket->state() == WebSocket::State::Open) {
        row.result = ProbeRow::Result::Works;
        row.reason = row.attempt().reason();
    } else if (row.error == WebSocket::Error::NoApplicableStrategy) {
        row.result = ProbeRow::Result::NotApplicable;
        row.reason = notApplicableReason(row.report, row.strategy, row.hop);
    } else {
        row.result = ProbeRow::Result::Fails;
        row.reason = row.hasAttempt() && !row.attempt().reason().isEmpty() ? row.attempt().reason()
                                                                           : row.errorString;
    }
}
