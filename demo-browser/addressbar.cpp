// SPDX-License-Identifier: LGPL-3.0-or-later
#include "addressbar.h"

#include "urlhistory.h"

#include <QtWidgets/QCompleter>

AddressBar::AddressBar(UrlHistory *history, QWidget *parent)
    : QLineEdit(parent)
{
    setClearButtonEnabled(true);
    setPlaceholderText(tr("Address (Ctrl+L)"));
    auto *completer = new QCompleter(history->model(), this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    completer->setCompletionMode(QCompleter::PopupCompletion);
    setCompleter(completer);
    connect(this, &QLineEdit::returnPressed, this, [this] {
        const QUrl url = QUrl::fromUserInput(text().trimmed());
        if (url.isValid())
            Q_EMIT urlEntered(url);
    });
}

void AddressBar::showUrl(const QUrl &url)
{
    if (hasFocus() && isModified())
        return;
    setText(url.toDisplayString());
    setModified(false);
    setCursorPosition(0);
}

void AddressBar::activate()
{
    setFocus(Qt::ShortcutFocusReason);
    selectAll();
}
