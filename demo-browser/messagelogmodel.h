// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_MESSAGELOGMODEL_H
#define QTWSDEMO_MESSAGELOGMODEL_H

#include "titledtablemodel.h"

#include <QtCore/QPointer>

class SocketRecord;

/*!
    \class MessageLogModel
    \brief The message log of one socket: time, direction, type, size and first bytes of each
    message (SocketRecord keeps at most SocketRecord::MaxLogEntries).
    \since 0.2
*/
class MessageLogModel : public TitledTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Direction, Type, Size, Data, ColumnCount };
    Q_ENUM(Column)

    explicit MessageLogModel(QObject *parent = nullptr);

    void setRecord(SocketRecord *record);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    /*! \a bytes as text: printable ASCII as is, other bytes as \xNN (UTF-8 text decoded). */
    static QString preview(const QByteArray &bytes, bool binary);

private:
    void appended();

    QPointer<SocketRecord> m_record;
    qint64 m_dropped = 0; // the record's drop count the rows reflect
    int m_rows = 0;
};

#endif // QTWSDEMO_MESSAGELOGMODEL_H
