// SPDX-License-Identifier: LGPL-3.0-or-later
#include "titledtablemodel.h"

TitledTableModel::TitledTableModel(const QStringList &titles, QObject *parent)
    : QAbstractTableModel(parent)
    , m_titles(titles)
{ }

int TitledTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_titles.size());
}

QVariant TitledTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    return m_titles.value(section);
}
