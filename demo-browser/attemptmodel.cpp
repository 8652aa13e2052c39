// SPDX-License-Identifier: LGPL-3.0-or-later
#include "attemptmodel.h"

#include <QtCore/QMetaEnum>

using QtWs::ConnectAttempt;

AttemptModel::AttemptModel(QObject *parent)
    : TitledTableModel({tr("Hop"), tr("Strategy"), tr("Start"), tr("Took"), tr("Outcome"),
                           tr("Answer"), tr("Server"), tr("Why")},
        parent)
{ }

void AttemptModel::setReport(const QtWs::ConnectReport &report)
{
    if (report == m_report)
        return;
    const QList<ConnectAttempt> attempts = report.attempts();
    m_report = report;
    if (attempts.size() == m_attempts.size()) { // the same attempts, some of them further on
        m_attempts = attempts;
        if (!m_attempts.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_attempts = attempts;
    endResetModel();
}

int AttemptModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_attempts.size());
}

QVariant AttemptModel::data(const QModelIndex &index, int role) const
{
    if (index.row() >= m_attempts.size() || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QVariant();
    const ConnectAttempt &a = m_attempts.at(index.row());
    if (role == Qt::ToolTipRole)
        return a.detail().isEmpty() ? a.reason() : a.reason() + u'\n' + a.detail();
    switch (Column(index.column())) {
    case Hop:
        return a.candidate().toPacString();
    case Strategy:
        return QtWs::strategyName(a.strategy());
    case Start:
        return QStringLiteral("+%1 ms").arg(a.startedAt().count());
    case Duration:
        return a.outcome() == ConnectAttempt::Outcome::Running
            ? QString()
            : QStringLiteral("%1 ms").arg(a.duration().count());
    case Outcome:
        return QString::fromLatin1(
            QMetaEnum::fromType<ConnectAttempt::Outcome>().valueToKey(int(a.outcome())))
            .toLower();
    case Status:
        return a.statusLine();
    case Server:
        return a.server();
    case Reason:
        return a.reason();
    case ColumnCount:
        break;
    }
    return QVariant();
}
