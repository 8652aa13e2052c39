// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_INSPECTORDOCK_H
#define QTWSDEMO_INSPECTORDOCK_H

#include <QtCore/QPointer>
#include <QtWidgets/QDockWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTableView;
QT_END_NAMESPACE

class AttemptModel;
class InspectorModel;
class MessageLogModel;
class SocketRecord;

/*!
    \class InspectorDock
    \brief The connection inspector: the qtws sockets of the current tab (an InspectorModel),
    and for the selected one its connection report as it grows (the proxy decision, every
    attempt with status line, reason and timing) and its message log; "Copy report as JSON"
    puts QtWs::ConnectReport::toJson() on the clipboard.

    The newest socket is selected when the user has not picked one.
    \since 0.2
*/
class InspectorDock : public QDockWidget
{
    Q_OBJECT
public:
    explicit InspectorDock(QWidget *parent = nullptr);

    /*! Shows the sockets of \a model (the current tab's). */
    void setModel(InspectorModel *model);
    InspectorModel *model() const { return m_model; }
    /*! The socket whose report and log are shown. */
    SocketRecord *selectedRecord() const { return m_record; }
    /*! The selected socket's report as indented JSON (empty without selection). */
    QString reportJson() const;
    /*! Copies reportJson() to the clipboard. */
    void copyReportJson();

private:
    void select(int row);
    void selectNewest(int row);
    void showRecord();
    QWidget *reportPage();

    QPointer<InspectorModel> m_model;
    QPointer<SocketRecord> m_record;
    bool m_userSelected = false;
    bool m_selecting = false;
    QTableView *m_sockets = nullptr;
    QLabel *m_summary = nullptr;
    AttemptModel *m_attempts = nullptr;
    MessageLogModel *m_log = nullptr;
};

#endif // QTWSDEMO_INSPECTORDOCK_H
