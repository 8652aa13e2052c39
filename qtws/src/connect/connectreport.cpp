// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/connectreport.h>

#include <QtCore/QJsonArray>
#include <QtCore/QMetaEnum>

namespace QtWs {

namespace {

template<typename E>
QString enumKey(E value)
{
    return QString::fromLatin1(QMetaEnum::fromType<E>().valueToKey(int(value)));
}

QString lowerFirst(QString s)
{
    if (!s.isEmpty())
        s[0] = s.at(0).toLower();
    return s;
}

// A hop as a person reads it: "DIRECT", "PROXY squid.corp:3128", "SOCKS5 [::1]:1080".
QString hopText(const ProxyCandidate &candidate)
{
    return candidate.toPacString();
}

QJsonObject candidateJson(const ProxyCandidate &candidate)
{
    // Never the credentials: a report is meant to be sent to an IT department.
    QJsonObject o;
    o.insert(QStringLiteral("pac"), candidate.toPacString());
    o.insert(QStringLiteral("type"), lowerFirst(enumKey(candidate.type())));
    if (!candidate.isDirect()) {
        o.insert(QStringLiteral("host"), candidate.host());
        o.insert(QStringLiteral("port"), int(candidate.port()));
        o.insert(QStringLiteral("hasCredentials"), candidate.hasCredentials());
    }
    o.insert(QStringLiteral("source"), lowerFirst(enumKey(candidate.source())));
    if (!candidate.origin().isEmpty())
        o.insert(QStringLiteral("origin"), candidate.origin());
    return o;
}

} // namespace

// -------------------------------------------------------------------------------------------------
// ConnectAttempt

class ConnectAttemptPrivate : public QSharedData
{
public:
    ProxyCandidate candidate;
    Strategy strategy = Strategy::Direct;
    std::chrono::milliseconds startedAt {0};
    std::chrono::milliseconds duration {0};
    ConnectAttempt::Outcome outcome = ConnectAttempt::Outcome::Running;
    ConnectAttempt::Failure failure = ConnectAttempt::Failure::None;
    ConnectAttempt::Responder responder = ConnectAttempt::Responder::Nobody;
    QString reason;
    QString detail;
    QString statusLine;
    int statusCode = 0;
    QString server;
    QString via;
    QString squidError;

    bool operator==(const ConnectAttemptPrivate &o) const
    {
        return candidate == o.candidate && strategy == o.strategy && startedAt == o.startedAt
            && duration == o.duration && outcome == o.outcome && failure == o.failure
            && responder == o.responder && reason == o.reason && detail == o.detail
            && statusLine == o.statusLine && statusCode == o.statusCode && server == o.server
            && via == o.via && squidError == o.squidError;
    }
};

ConnectAttempt::ConnectAttempt()
    : d(new ConnectAttemptPrivate)
{ }

ConnectAttempt::ConnectAttempt(const ProxyCandidate &candidate, Strategy strategy)
    : d(new ConnectAttemptPrivate)
{
    d->candidate = candidate;
    d->candidate.setCredentials(QString(), QString()); // a report never carries secrets
    d->strategy = strategy;
}

ConnectAttempt::ConnectAttempt(const ConnectAttempt &other) = default;
ConnectAttempt::ConnectAttempt(ConnectAttempt &&other) noexcept = default;
ConnectAttempt &ConnectAttempt::operator=(const ConnectAttempt &other) = default;
ConnectAttempt &ConnectAttempt::operator=(ConnectAttempt &&other) noexcept = default;
ConnectAttempt::~ConnectAttempt() = default;

ProxyCandidate ConnectAttempt::candidate() const
{
    return d->candidate;
}

Strategy ConnectAttempt::strategy() const
{
    return d->strategy;
}

std::chrono::milliseconds ConnectAttempt::startedAt() const
{
    return d->startedAt;
}

void ConnectAttempt::setStartedAt(std::chrono::milliseconds offset)
{
    d->startedAt = offset;
}

std::chrono::milliseconds ConnectAttempt::duration() const
{
    return d->duration;
}

void ConnectAttempt::setDuration(std::chrono::milliseconds duration)
{
    d->duration = duration;
}

ConnectAttempt::Outcome ConnectAttempt::outcome() const
{
    return d->outcome;
}

void ConnectAttempt::setOutcome(Outcome outcome)
{
    d->outcome = outcome;
}

ConnectAttempt::Failure ConnectAttempt::failure() const
{
    return d->failure;
}

void ConnectAttempt::setFailure(Failure failure, const QString &reason)
{
    d->outcome = Outcome::Failed;
    d->failure = failure;
    d->reason = reason;
}

QString ConnectAttempt::reason() const
{
    return d->reason;
}

void ConnectAttempt::setReason(const QString &reason)
{
    d->reason = reason;
}

QString ConnectAttempt::detail() const
{
    return d->detail;
}

void ConnectAttempt::setDetail(const QString &detail)
{
    d->detail = detail;
}

QString ConnectAttempt::statusLine() const
{
    return d->statusLine;
}

int ConnectAttempt::statusCode() const
{
    return d->statusCode;
}

ConnectAttempt::Responder ConnectAttempt::responder() const
{
    return d->responder;
}

void ConnectAttempt::setStatus(const QString &statusLine, int statusCode, Responder responder)
{
    d->statusLine = statusLine;
    d->statusCode = statusCode;
    d->responder = responder;
}

QString ConnectAttempt::server() const
{
    return d->server;
}

QString ConnectAttempt::via() const
{
    return d->via;
}

QString ConnectAttempt::squidError() const
{
    return d->squidError;
}

void ConnectAttempt::setProxyHeaders(
    const QString &server, const QString &via, const QString &squidError)
{
    d->server = server;
    d->via = via;
    d->squidError = squidError;
}

QJsonObject ConnectAttempt::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("hop"), candidateJson(d->candidate));
    o.insert(QStringLiteral("strategy"), strategyName(d->strategy));
    o.insert(QStringLiteral("startedAtMs"), qint64(d->startedAt.count()));
    o.insert(QStringLiteral("durationMs"), qint64(d->duration.count()));
    o.insert(QStringLiteral("outcome"), lowerFirst(enumKey(d->outcome)));
    if (d->failure != Failure::None)
        o.insert(QStringLiteral("failure"), lowerFirst(enumKey(d->failure)));
    if (!d->reason.isEmpty())
        o.insert(QStringLiteral("reason"), d->reason);
    if (!d->detail.isEmpty())
        o.insert(QStringLiteral("detail"), d->detail);
    if (!d->statusLine.isEmpty()) {
        o.insert(QStringLiteral("statusLine"), d->statusLine);
        o.insert(QStringLiteral("statusCode"), d->statusCode);
        o.insert(QStringLiteral("answeredBy"), lowerFirst(enumKey(d->responder)));
    }
    if (!d->server.isEmpty())
        o.insert(QStringLiteral("server"), d->server);
    if (!d->via.isEmpty())
        o.insert(QStringLiteral("via"), d->via);
    if (!d->squidError.isEmpty())
        o.insert(QStringLiteral("squidError"), d->squidError);
    return o;
}

bool operator==(const ConnectAttempt &a, const ConnectAttempt &b)
{
    return a.d == b.d || *a.d == *b.d;
}

// -------------------------------------------------------------------------------------------------
// ConnectReport

class ConnectReportPrivate : public QSharedData
{
public:
    QUrl url;
    ProxyResolution resolution;
    bool resolved = false;
    QList<ConnectAttempt> attempts;
    QStringList notes;
    bool finished = false;
    bool connected = false;
    QString errorString;
    std::chrono::milliseconds duration {0};

    bool operator==(const ConnectReportPrivate &o) const
    {
        return url == o.url && resolved == o.resolved && attempts == o.attempts
            && notes == o.notes && finished == o.finished && connected == o.connected
            && errorString == o.errorString && duration == o.duration
            && resolution.candidates() == o.resolution.candidates()
            && resolution.error() == o.resolution.error()
            && resolution.reason() == o.resolution.reason();
    }
};

ConnectReport::ConnectReport()
    : d(new ConnectReportPrivate)
{ }

ConnectReport::ConnectReport(const QUrl &url)
    : d(new ConnectReportPrivate)
{
    d->url = url;
}

ConnectReport::ConnectReport(const ConnectReport &other) = default;
ConnectReport::ConnectReport(ConnectReport &&other) noexcept = default;
ConnectReport &ConnectReport::operator=(const ConnectReport &other) = default;
ConnectReport &ConnectReport::operator=(ConnectReport &&other) noexcept = default;
ConnectReport::~ConnectReport() = default;

QUrl ConnectReport::url() const
{
    return d->url;
}

ProxyResolution ConnectReport::resolution() const
{
    return d->resolution;
}

void ConnectReport::setResolution(const ProxyResolution &resolution)
{
    d->resolution = resolution;
    d->resolved = true;
}

QList<ConnectAttempt> ConnectReport::attempts() const
{
    return d->attempts;
}

void ConnectReport::addAttempt(const ConnectAttempt &attempt)
{
    d->attempts.append(attempt);
}

void ConnectReport::updateAttempt(qsizetype index, const ConnectAttempt &attempt)
{
    if (index >= 0 && index < d->attempts.size())
        d->attempts[index] = attempt;
}

QStringList ConnectReport::notes() const
{
    return d->notes;
}

void ConnectReport::addNote(const QString &note)
{
    d->notes.append(note);
}

bool ConnectReport::isFinished() const
{
    return d->finished;
}

bool ConnectReport::isConnected() const
{
    return d->connected;
}

Strategy ConnectReport::strategy() const
{
    for (const ConnectAttempt &a : d->attempts) {
        if (a.outcome() == ConnectAttempt::Outcome::Succeeded)
            return a.strategy();
    }
    return Strategy::Direct;
}

ProxyCandidate ConnectReport::proxyUsed() const
{
    for (const ConnectAttempt &a : d->attempts) {
        if (a.outcome() == ConnectAttempt::Outcome::Succeeded)
            return a.candidate();
    }
    return ProxyCandidate();
}

void ConnectReport::finish(bool connected, const QString &errorString)
{
    d->finished = true;
    d->connected = connected;
    d->errorString = connected ? QString() : errorString;
}

QString ConnectReport::errorString() const
{
    return d->errorString;
}

std::chrono::milliseconds ConnectReport::duration() const
{
    return d->duration;
}

void ConnectReport::setDuration(std::chrono::milliseconds duration)
{
    d->duration = duration;
}

QJsonObject ConnectReport::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("url"), d->url.toString(QUrl::RemoveUserInfo));
    QJsonObject resolution;
    if (d->resolved) {
        const ProxyResolution &r = d->resolution;
        if (r.error() == ProxyError::Error::NoError) {
            resolution.insert(QStringLiteral("reason"), r.reason());
            QJsonArray candidates;
            for (const ProxyCandidate &c : r.candidates())
                candidates.append(candidateJson(c));
            resolution.insert(QStringLiteral("candidates"), candidates);
            resolution.insert(QStringLiteral("fromCache"), r.isFromCache());
            resolution.insert(QStringLiteral("directFallback"), r.isDirectFallback());
        } else {
            resolution.insert(QStringLiteral("error"), lowerFirst(enumKey(r.error())));
            resolution.insert(QStringLiteral("errorString"), r.errorString());
        }
        if (!r.warnings().isEmpty())
            resolution.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings()));
    }
    o.insert(QStringLiteral("resolution"), resolution);
    QJsonArray attempts;
    for (const ConnectAttempt &a : d->attempts)
        attempts.append(a.toJson());
    o.insert(QStringLiteral("attempts"), attempts);
    if (!d->notes.isEmpty())
        o.insert(QStringLiteral("notes"), QJsonArray::fromStringList(d->notes));
    o.insert(QStringLiteral("finished"), d->finished);
    o.insert(QStringLiteral("connected"), d->connected);
    if (d->connected) {
        o.insert(QStringLiteral("strategy"), strategyName(strategy()));
        o.insert(QStringLiteral("proxyUsed"), candidateJson(proxyUsed()));
    }
    if (!d->errorString.isEmpty())
        o.insert(QStringLiteral("errorString"), d->errorString);
    o.insert(QStringLiteral("durationMs"), qint64(d->duration.count()));
    return o;
}

QString ConnectReport::toText() const
{
    QString out = QStringLiteral("connection report for %1\n")
                      .arg(d->url.toString(QUrl::RemoveUserInfo));
    if (d->resolved) {
        const ProxyResolution &r = d->resolution;
        if (r.error() == ProxyError::Error::NoError) {
            QStringList hops;
            for (const ProxyCandidate &c : r.candidates())
                hops.append(hopText(c));
            out += QStringLiteral("  proxy decision: %1 (%2)\n")
                       .arg(hops.join(QStringLiteral("; ")), r.reason());
        } else {
            out += QStringLiteral("  proxy decision failed: %1\n").arg(r.errorString());
        }
        for (const QString &w : r.warnings())
            out += QStringLiteral("  warning: %1\n").arg(w);
    } else {
        out += QStringLiteral("  proxy decision: pending\n");
    }
    for (const QString &note : d->notes)
        out += QStringLiteral("  note: %1\n").arg(note);
    int n = 0;
    for (const ConnectAttempt &a : d->attempts) {
        out += QStringLiteral("  %1. %2 via %3, +%4 ms, %5 ms: %6")
                   .arg(++n)
                   .arg(strategyName(a.strategy()), hopText(a.candidate()))
                   .arg(a.startedAt().count())
                   .arg(a.duration().count())
                   .arg(lowerFirst(enumKey(a.outcome())));
        if (!a.statusLine().isEmpty())
            out += QStringLiteral(" [%1%2]").arg(a.statusLine(),
                a.server().isEmpty() ? QString() : QStringLiteral(", ") + a.server());
        if (!a.reason().isEmpty())
            out += QStringLiteral(": ") + a.reason();
        out += u'\n';
    }
    if (d->finished) {
        if (d->connected)
            out += QStringLiteral("  result: connected with %1 via %2 in %3 ms\n")
                       .arg(strategyName(strategy()), hopText(proxyUsed()))
                       .arg(d->duration.count());
        else
            out += QStringLiteral("  result: failed after %1 ms: %2\n")
                       .arg(d->duration.count())
                       .arg(d->errorString);
    }
    return out;
}

bool operator==(const ConnectReport &a, const ConnectReport &b)
{
    return a.d == b.d || *a.d == *b.d;
}

} // namespace QtWs
