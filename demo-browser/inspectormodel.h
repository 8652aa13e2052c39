// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_INSPECTORMODEL_H
#define QTWSDEMO_INSPECTORMODEL_H

#include "titledtablemodel.h"

#include <QtCore/QList>
#include <QtCore/QUrl>

class SocketRecord;
namespace QtWs {
class WebSocket;
}

/*!
    \class InspectorModel
    \brief The qtws sockets of one tab, a row each, for the inspector's socket list: URL, state,
    strategy, proxy, bytes and messages each way.

    Display values are strings for text columns and numbers (qint64) for the counts. Rows stay
    after a socket closed, so that a failed connection can still be read; beyond MaxRows the
    oldest closed rows go.
    \since 0.2
*/
class InspectorModel : public TitledTableModel
{
    Q_OBJECT
public:
    enum Column {
        Url,
        State,
        Strategy,
        Proxy,
        BytesIn,
        BytesOut,
        MessagesIn,
        MessagesOut,
        ColumnCount
    };
    Q_ENUM(Column)
    static constexpr int MaxRows = 100;

    explicit InspectorModel(QObject *parent = nullptr);

    /*! Follows \a socket, which a page of this tab (at \a pageUrl) created; returns its record. */
    SocketRecord *addSocket(QtWs::WebSocket *socket, const QUrl &pageUrl);
    SocketRecord *record(int row) const { return m_records.value(row); }
    /*! The record of \a socket, or null. */
    SocketRecord *recordFor(const QtWs::WebSocket *socket) const;
    int rowOf(const SocketRecord *record) const { return int(m_records.indexOf(record)); }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    void dropOldestClosed();

    QList<SocketRecord *> m_records;
};

#endif // QTWSDEMO_INSPECTORMODEL_H
