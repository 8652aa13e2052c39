// SPDX-License-Identifier: LGPL-3.0-or-later
#include "messagelogmodel.h"

#include "socketrecord.h"

MessageLogModel::MessageLogModel(QObject *parent)
    : TitledTableModel(
        {tr("Time"), tr("Direction"), tr("Type"), tr("Size"), tr("First bytes")}, parent)
{ }

void MessageLogModel::setRecord(SocketRecord *record)
{
    if (record == m_record)
        return;
    beginResetModel();
    if (m_record)
        disconnect(m_record, nullptr, this, nullptr);
    m_record = record;
    m_rows = record ? int(record->log().size()) : 0;
    m_dropped = record ? record->droppedLogEntries() : 0;
    if (record)
        connect(record, &SocketRecord::messageLogged, this, &MessageLogModel::appended);
    endResetModel();
}

void MessageLogModel::appended()
{
    // SocketRecord drops its oldest entry before it appends one when the log is full.
    if (m_record->droppedLogEntries() != m_dropped && m_rows > 0) {
        beginRemoveRows(QModelIndex(), 0, 0);
        --m_rows;
        m_dropped = m_record->droppedLogEntries();
        endRemoveRows();
    }
    beginInsertRows(QModelIndex(), m_rows, m_rows);
    ++m_rows;
    endInsertRows();
}

int MessageLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

QString MessageLogModel::preview(const QByteArray &bytes, bool binary)
{
    if (!binary)
        return QString::fromUtf8(bytes);
    QString out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += b >= 0x20 && b < 0x7f ? QString(QLatin1Char(char(b)))
                                     : QStringLiteral("\\x%1").arg(b, 2, 16, QLatin1Char('0'));
    }
    return out;
}

QVariant MessageLogModel::data(const QModelIndex &index, int role) const
{
    if (!m_record || role != Qt::DisplayRole || index.row() >= m_record->log().size())
        return QVariant();
    const SocketRecord::LogEntry &e = m_record->log().at(index.row());
    switch (Column(index.column())) {
    case Time:
        return QStringLiteral("+%1 ms").arg(e.at.count());
    case Direction:
        return e.outgoing ? tr("out \u2191") : tr("in \u2193");
    case Type:
        return e.binary ? tr("binary") : tr("text");
    case Size:
        return e.size;
    case Data:
        return QString(preview(e.head, e.binary)
            + (e.size > e.head.size() ? QStringLiteral("\u2026") : QString()));
    case ColumnCount:
        break;
    }
    return QVariant();
}
