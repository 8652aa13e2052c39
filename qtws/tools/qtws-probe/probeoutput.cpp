// SPDX-License-Identifier: LGPL-3.0-or-later
#include "probeoutput.h"

#include "reporttext.h"

#include <QtCore/QJsonArray>
#include <QtCore/QMetaEnum>

using namespace QtWs;

namespace {

QString resultName(ProbeRow::Result result)
{
    switch (result) {
    case ProbeRow::Result::Pending:
        return QStringLiteral("pending");
    case ProbeRow::Result::Works:
        return QStringLiteral("works");
    case ProbeRow::Result::Fails:
        return QStringLiteral("fails");
    case ProbeRow::Result::NotApplicable:
        return QStringLiteral("n/a");
    }
    return QString();
}

QString orDash(const QString &s)
{
    return s.isEmpty() ? QStringLiteral("-") : s;
}

qsizetype findRow(const QList<ProbeRow> &rows, qsizetype hopIndex, Strategy strategy)
{
    for (qsizetype i = 0; i < rows.size(); ++i) {
        if (rows.at(i).hopIndex == hopIndex && rows.at(i).strategy == strategy)
            return i;
    }
    return -1;
}

QString rowName(const ProbeRow &row)
{
    return strategyName(row.strategy) + QStringLiteral(" via ") + row.hop.toPacString();
}

QStringList defaultNames()
{
    QStringList names;
    for (Strategy s : WebSocketOptions::defaultStrategies())
        names.append(strategyName(s));
    return names;
}

// The cells of one row, in column order.
QStringList cells(const ProbeRow &row)
{
    const ConnectAttempt a = row.attempt();
    const bool ran = row.hasAttempt();
    return {row.hop.toPacString(), strategyName(row.strategy), resultName(row.result),
        ran ? QStringLiteral("%1 ms").arg(a.duration().count()) : QStringLiteral("-"),
        orDash(a.statusLine()), orDash(a.server()), orDash(a.via()), orDash(a.squidError()),
        row.reason};
}

QString formatTable(const QList<QStringList> &lines)
{
    QList<qsizetype> widths(lines.constFirst().size(), 0);
    for (const QStringList &line : lines) {
        for (qsizetype c = 0; c + 1 < line.size(); ++c)
            widths[c] = std::max(widths.at(c), line.at(c).size());
    }
    QString out;
    for (const QStringList &line : lines) {
        QString text;
        for (qsizetype c = 0; c < line.size(); ++c)
            text += c + 1 < line.size() ? line.at(c).leftJustified(widths.at(c) + 2) : line.at(c);
        out += text.trimmed() + u'\n';
    }
    return out;
}

} // namespace

ProbeVerdict probeVerdict(const Prober &prober)
{
    ProbeVerdict v;
    const QList<ProbeRow> &rows = prober.rows();
    const QString url = prober.url().toDisplayString();
    if (!prober.resolution().isValid()) {
        v.text = QStringLiteral("the proxy configuration could not be evaluated for %1 (%2): qtws "
                                "connects nowhere rather than around it")
                     .arg(url, prober.resolution().errorString());
        return v;
    }
    qsizetype tried = 0;
    qsizetype working = 0;
    for (qsizetype i = 0; i < rows.size(); ++i) {
        tried += rows.at(i).result != ProbeRow::Result::NotApplicable ? 1 : 0;
        if (rows.at(i).result == ProbeRow::Result::Works) {
            ++working;
            if (v.row < 0)
                v.row = i;
        }
    }
    v.anyWorks = working > 0;
    const qsizetype hops = prober.resolution().candidates().size();
    for (qsizetype h = 0; h < hops && !v.defaultWorks; ++h) {
        for (Strategy s : WebSocketOptions::defaultStrategies()) {
            const qsizetype i = findRow(rows, h, s);
            if (i >= 0 && rows.at(i).result == ProbeRow::Result::Works) {
                v.defaultWorks = true;
                v.row = i;
                break;
            }
        }
    }
    const QString count = QStringLiteral("%1 of %2 ways work").arg(working).arg(tried);
    if (v.defaultWorks)
        v.text
            = QStringLiteral("qtws would connect with %1 (%2)").arg(rowName(rows.at(v.row)), count);
    else if (v.anyWorks)
        v.text = QStringLiteral("qtws would not connect with its default strategies (%1), but %2 "
                                "works: enable it with WebSocketOptions::setStrategies() or "
                                "qtws-cat --strategies (%3)")
                     .arg(defaultNames().join(u','), rowName(rows.at(v.row)), count);
    else
        v.text = QStringLiteral("no way to %1 works (%2): qtws cannot connect through this "
                                "configuration")
                     .arg(url, count);
    return v;
}

QString probeTable(const Prober &prober, const ProbeVerdict &verdict)
{
    QString out = QStringLiteral("qtws-probe %1 for %2\n")
                      .arg(QString::fromLatin1(version()), prober.url().toDisplayString());
    out += QStringLiteral("proxy decision: %1\n").arg(Tools::resolutionText(prober.resolution()));
    for (const QString &w : prober.resolution().warnings())
        out += QStringLiteral("warning: %1\n").arg(w);
    if (prober.resolution().isValid()) {
        QList<QStringList> lines {
            {QStringLiteral("HOP"), QStringLiteral("STRATEGY"), QStringLiteral("RESULT"),
                QStringLiteral("TIME"), QStringLiteral("STATUS"), QStringLiteral("SERVER"),
                QStringLiteral("VIA"), QStringLiteral("X-SQUID-ERROR"), QStringLiteral("REASON")}};
        for (const ProbeRow &row : prober.rows())
            lines.append(cells(row));
        out += u'\n' + formatTable(lines) + u'\n';
    }
    out += QStringLiteral("verdict: %1\n").arg(verdict.text);
    return out;
}

QJsonObject probeJson(const Prober &prober, const ProbeVerdict &verdict)
{
    // The decision as a connection report writes it (candidates without credentials).
    ConnectReport decision(prober.url());
    decision.setResolution(prober.resolution());
    QJsonObject o;
    o.insert(QStringLiteral("tool"), QStringLiteral("qtws-probe"));
    o.insert(QStringLiteral("version"), QString::fromLatin1(version()));
    o.insert(QStringLiteral("url"), prober.url().toString(QUrl::RemoveUserInfo));
    o.insert(QStringLiteral("resolution"), decision.toJson().value(QStringLiteral("resolution")));
    QJsonArray probes;
    for (const ProbeRow &row : prober.rows()) {
        QJsonObject p;
        p.insert(QStringLiteral("hopIndex"), qint64(row.hopIndex));
        p.insert(QStringLiteral("hop"), row.hop.toPacString());
        p.insert(QStringLiteral("strategy"), strategyName(row.strategy));
        p.insert(QStringLiteral("result"),
            row.result == ProbeRow::Result::NotApplicable ? QStringLiteral("notApplicable")
                                                          : resultName(row.result));
        if (row.error != WebSocket::Error::NoError)
            p.insert(QStringLiteral("error"),
                QString::fromLatin1(
                    QMetaEnum::fromType<WebSocket::Error>().valueToKey(int(row.error))));
        p.insert(QStringLiteral("reason"), row.reason);
        p.insert(QStringLiteral("report"), row.report.toJson());
        probes.append(p);
    }
    o.insert(QStringLiteral("probes"), probes);
    QJsonObject v;
    v.insert(QStringLiteral("anyWorks"), verdict.anyWorks);
    v.insert(QStringLiteral("defaultWorks"), verdict.defaultWorks);
    if (verdict.row >= 0) {
        const ProbeRow &row = prober.rows().at(verdict.row);
        v.insert(QStringLiteral("strategy"), strategyName(row.strategy));
        v.insert(QStringLiteral("hop"), row.hop.toPacString());
    }
    v.insert(QStringLiteral("text"), verdict.text);
    o.insert(QStringLiteral("verdict"), v);
    return o;
}
