// SPDX-License-Identifier: LGPL-3.0-or-later
#include "inspectordock.h"

#include "attemptmodel.h"
#include "inspectormodel.h"
#include "messagelogmodel.h"
#include "socketrecord.h"

#include <QtCore/QJsonDocument>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

namespace {
QTableView *makeTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setWordWrap(false);
    return view;
}
} // namespace

InspectorDock::InspectorDock(QWidget *parent)
    : QDockWidget(tr("Connection inspector"), parent)
    , m_attempts(new AttemptModel(this))
    , m_log(new MessageLogModel(this))
{
    setObjectName(QStringLiteral("inspector"));
    auto *content = new QWidget(this);
    auto *splitter = new QSplitter(Qt::Vertical, content);
    m_sockets = makeTable(nullptr, splitter);
    auto *details = new QTabWidget(splitter);
    details->addTab(reportPage(), tr("Connection report"));
    details->addTab(makeTable(m_log, details), tr("Messages"));
    splitter->addWidget(m_sockets);
    splitter->addWidget(details);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({90, 200});
    auto *copy = new QPushButton(tr("Copy report as JSON"), content);
    connect(copy, &QPushButton::clicked, this, &InspectorDock::copyReportJson);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);
    layout->addWidget(copy, 0, Qt::AlignRight);
    setWidget(content);
}

QWidget *InspectorDock::reportPage()
{
    auto *page = new QWidget(this);
    m_summary = new QLabel(page);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(makeTable(m_attempts, page), 1);
    return page;
}

void InspectorDock::setModel(InspectorModel *model)
{
    if (model == m_model)
        return;
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    m_userSelected = false;
    m_sockets->setModel(model);
    if (model) {
        m_sockets->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
        m_sockets->horizontalHeader()->setSectionResizeMode(
            InspectorModel::Url, QHeaderView::Stretch);
        m_sockets->horizontalHeader()->setStretchLastSection(false);
        connect(m_sockets->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                m_userSelected = m_userSelected || !m_selecting;
                select(current.row());
            });
        connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int, int last) {
                if (!m_userSelected || !m_record)
                    selectNewest(last);
            });
        connect(model, &QAbstractItemModel::dataChanged, this, &InspectorDock::showRecord);
    }
    selectNewest(model ? model->rowCount() - 1 : -1);
}

void InspectorDock::selectNewest(int row)
{
    m_selecting = true;
    if (row >= 0)
        m_sockets->selectRow(row);
    m_selecting = false;
    select(row);
}

void InspectorDock::select(int row)
{
    m_record = m_model ? m_model->record(row) : nullptr;
    m_log->setRecord(m_record);
    showRecord();
}

void InspectorDock::showRecord()
{
    if (!m_record) {
        m_attempts->setReport(QtWs::ConnectReport());
        m_summary->setText(m_model && m_model->rowCount() == 0
                ? tr("No qtws WebSocket in this tab yet.")
                : QString());
        return;
    }
    const QtWs::ConnectReport report = m_record->report();
    m_attempts->setReport(report);
    const QtWs::ProxyResolution r = report.resolution();
    QStringList lines;
    lines << tr("<b>%1</b> is %2")
                 .arg(m_record->url().toString().toHtmlEscaped(), m_record->stateName());
    if (!m_record->strategy().isEmpty())
        lines.last() += tr(", through %1 by %2").arg(m_record->proxy(), m_record->strategy());
    if (!r.candidates().isEmpty() || !r.reason().isEmpty()) {
        QStringList hops;
        for (const auto &c : r.candidates())
            hops << c.toPacString();
        lines << tr("Proxy decision: %1 (%2)")
                     .arg(hops.join(QStringLiteral("; ")), r.reason())
                     .toHtmlEscaped();
    } else if (!r.errorString().isEmpty()) {
        lines << tr("Proxy decision failed: %1").arg(r.errorString()).toHtmlEscaped();
    }
    for (const QString &note : report.notes())
        lines << tr("Note: %1").arg(note).toHtmlEscaped();
    if (!m_record->outcome().isEmpty())
        lines << tr("Outcome: %1").arg(m_record->outcome()).toHtmlEscaped();
    if (!report.errorString().isEmpty() && !m_record->outcome().contains(report.errorString()))
        lines << tr("Why: %1").arg(report.errorString()).toHtmlEscaped();
    m_summary->setText(lines.join(QStringLiteral("<br>")));
}

QString InspectorDock::reportJson() const
{
    if (!m_record)
        return QString();
    return QString::fromUtf8(
        QJsonDocument(m_record->report().toJson()).toJson(QJsonDocument::Indented));
}

void InspectorDock::copyReportJson()
{
    if (m_record)
        QGuiApplication::clipboard()->setText(reportJson());
}
