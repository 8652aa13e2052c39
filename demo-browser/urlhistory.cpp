// SPDX-License-Identifier: LGPL-3.0-or-later
#include "urlhistory.h"

UrlHistory::UrlHistory(QObject *parent)
    : QObject(parent)
{ }

void UrlHistory::add(const QUrl &url)
{
    const QString scheme = url.scheme();
    if (scheme != u"http" && scheme != u"https" && scheme != u"file")
        return;
    const QString text = url.toString(QUrl::RemovePassword);
    QStringList list = m_model.stringList();
    if (!list.isEmpty() && list.constFirst() == text)
        return;
    list.removeAll(text);
    list.prepend(text);
    if (list.size() > MaxEntries)
        list.resize(MaxEntries);
    m_model.setStringList(list);
}
