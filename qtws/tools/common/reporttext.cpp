// SPDX-License-Identifier: LGPL-3.0-or-later
#include "reporttext.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>

namespace QtWs::Tools {

QString resolutionText(const ProxyResolution &resolution)
{
    if (!resolution.isValid())
        return QStringLiteral("failed: ") + resolution.errorString();
    QStringList hops;
    for (const ProxyCandidate &c : resolution.candidates())
        hops.append(c.toPacString());
    return QStringLiteral("%1 (%2)").arg(hops.join(QStringLiteral("; ")), resolution.reason());
}

QString attemptName(const ConnectAttempt &attempt)
{
    return strategyName(attempt.strategy()) + QStringLiteral(" via ")
        + attempt.candidate().toPacString();
}

QString attemptResultText(const ConnectAttempt &attempt)
{
    QString outcome;
    switch (attempt.outcome()) {
    case ConnectAttempt::Outcome::Running:
        outcome = QStringLiteral("still running");
        break;
    case ConnectAttempt::Outcome::Succeeded:
        outcome = QStringLiteral("connected");
        break;
    case ConnectAttempt::Outcome::Failed:
        outcome = QStringLiteral("failed");
        break;
    case ConnectAttempt::Outcome::Cancelled:
        outcome = QStringLiteral("cancelled");
        break;
    }
    QString line = QStringLiteral("%1 %2 after %3 ms")
                       .arg(attemptName(attempt), outcome)
                       .arg(attempt.duration().count());
    // The answer's evidence, labelled as the headers are named (what an administrator greps for).
    QStringList evidence;
    if (!attempt.statusLine().isEmpty())
        evidence.append(attempt.statusLine());
    const QPair<const char *, QString> headers[] = {{"Server", attempt.server()},
        {"Via", attempt.via()}, {"X-Squid-Error", attempt.squidError()}};
    for (const auto &[name, value] : headers) {
        if (!value.isEmpty())
            evidence.append(QLatin1String(name) + QStringLiteral(": ") + value);
    }
    if (!evidence.isEmpty())
        line += QStringLiteral(" [%1]").arg(evidence.join(QStringLiteral("; ")));
    if (!attempt.reason().isEmpty())
        line += QStringLiteral(": ") + attempt.reason();
    return line;
}

qsizetype attemptIndex(const ConnectReport &report, const ConnectAttempt &attempt)
{
    const QList<ConnectAttempt> attempts = report.attempts();
    for (qsizetype i = 0; i < attempts.size(); ++i) {
        const ConnectAttempt &a = attempts.at(i);
        if (a.strategy() == attempt.strategy() && a.candidate() == attempt.candidate()
            && a.startedAt() == attempt.startedAt())
            return i;
    }
    return -1;
}

QString writeReportJson(const QJsonObject &report, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(report).toJson(QJsonDocument::Indented)) < 0 || !file.commit())
        return QStringLiteral("could not write the report to %1: %2").arg(path, file.errorString());
    return {};
}

} // namespace QtWs::Tools
