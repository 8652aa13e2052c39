// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_URLHISTORY_H
#define QTWSDEMO_URLHISTORY_H

#include <QtCore/QObject>
#include <QtCore/QStringListModel>
#include <QtCore/QUrl>

/*!
    \class UrlHistory
    \brief The URLs visited in this session, most recent first, without repeats: what the
    address bar completes from. Kept in memory only.
    \since 0.2
*/
class UrlHistory : public QObject
{
    Q_OBJECT
public:
    static constexpr int MaxEntries = 500;

    explicit UrlHistory(QObject *parent = nullptr);

    /*! Records a visit to \a url (http, https and file URLs; others are not worth completing). */
    void add(const QUrl &url);
    QStringList urls() const { return m_model.stringList(); }
    /*! The list as a model, for a QCompleter. */
    QStringListModel *model() { return &m_model; }

private:
    QStringListModel m_model;
};

#endif // QTWSDEMO_URLHISTORY_H
