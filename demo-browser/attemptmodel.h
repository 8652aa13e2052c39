// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_ATTEMPTMODEL_H
#define QTWSDEMO_ATTEMPTMODEL_H

#include <qtws/connectreport.h>

#include "titledtablemodel.h"

/*!
    \class AttemptModel
    \brief The attempts of one connection report, a row each: hop, strategy, start and duration,
    outcome, the status line and Server header of the answer, and the reason in plain language.
    \since 0.2
*/
class AttemptModel : public TitledTableModel
{
    Q_OBJECT
public:
    enum Column { Hop, Strategy, Start, Duration, Outcome, Status, Server, Reason, ColumnCount };
    Q_ENUM(Column)

    explicit AttemptModel(QObject *parent = nullptr);

    QtWs::ConnectReport report() const { return m_report; }
    void setReport(const QtWs::ConnectReport &report);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    QtWs::ConnectReport m_report;
    QList<QtWs::ConnectAttempt> m_attempts;
};

#endif // QTWSDEMO_ATTEMPTMODEL_H
