// SPDX-License-Identifier: LGPL-3.0-or-later
#include "inspectormodel.h"

#include "socketrecord.h"

InspectorModel::InspectorModel(QObject *parent)
    : TitledTableModel({tr("URL"), tr("State"), tr("Strategy"), tr("Proxy"), tr("Bytes in"),
                           tr("Bytes out"), tr("Msgs in"), tr("Msgs out")},
        parent)
{ }

SocketRecord *InspectorModel::addSocket(QtWs::WebSocket *socket, const QUrl &pageUrl)
{
    dropOldestClosed();
    auto *record = new SocketRecord(socket, pageUrl, this);
    const int row = int(m_records.size());
    beginInsertRows(QModelIndex(), row, row);
    m_records.append(record);
    endInsertRows();
    connect(record, &SocketRecord::changed, this, [this, record] {
        const int r = rowOf(record);
        if (r >= 0)
            Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
    });
    return record;
}

void InspectorModel::dropOldestClosed()
{
    if (m_records.size() < MaxRows)
        return;
    for (int row = 0; row < m_records.size(); ++row) {
        if (m_records.at(row)->stateName() == u"closed") {
            beginRemoveRows(QModelIndex(), row, row);
            delete m_records.takeAt(row);
            endRemoveRows();
            return;
        }
    }
}

SocketRecord *InspectorModel::recordFor(const QtWs::WebSocket *socket) const
{
    for (SocketRecord *r : m_records)
        if (r->socket() == socket)
            return r;
    return nullptr;
}

int InspectorModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

QVariant InspectorModel::data(const QModelIndex &index, int role) const
{
    const SocketRecord *r = record(index.row());
    if (!r || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QVariant();
    if (role == Qt::ToolTipRole)
        return r->outcome().isEmpty() ? r->url().toString() : r->outcome();
    switch (Column(index.column())) {
    case Url:
        return r->url().toString();
    case State:
        return r->stateName();
    case Strategy:
        return r->strategy();
    case Proxy:
        return r->proxy();
    case BytesIn:
        return r->bytesIn();
    case BytesOut:
        return r->bytesOut();
    case MessagesIn:
        return r->messagesIn();
    case MessagesOut:
        return r->messagesOut();
    case ColumnCount:
        break;
    }
    return QVariant();
}
