// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_TITLEDTABLEMODEL_H
#define QTWSDEMO_TITLEDTABLEMODEL_H

#include <QtCore/QAbstractTableModel>
#include <QtCore/QStringList>

/*!
    \class TitledTableModel
    \brief A read-only table whose columns are fixed and titled: what the inspector's models
    (InspectorModel, AttemptModel, MessageLogModel) share.
    \since 0.2
*/
class TitledTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

protected:
    TitledTableModel(const QStringList &titles, QObject *parent);

private:
    const QStringList m_titles;
};

#endif // QTWSDEMO_TITLEDTABLEMODEL_H
