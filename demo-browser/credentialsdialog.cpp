// SPDX-License-Identifier: LGPL-3.0-or-later
#include "credentialsdialog.h"

#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QVBoxLayout>

CredentialsDialog::CredentialsDialog(const QString &proxy, const QString &realm, QWidget *parent)
    : QDialog(parent)
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
{
    setWindowTitle(tr("Proxy authentication"));
    m_password->setEchoMode(QLineEdit::Password);
    auto *intro = new QLabel(realm.isEmpty()
            ? tr("The proxy <b>%1</b> asks for a user name and password.")
                  .arg(proxy.toHtmlEscaped())
            : tr("The proxy <b>%1</b> asks for a user name and password for \"%2\".")
                  .arg(proxy.toHtmlEscaped(), realm.toHtmlEscaped()),
        this);
    intro->setWordWrap(true);
    auto *note = new QLabel(tr("They go to this proxy only and are kept in memory until the "
                               "browser quits; nothing is written to disk."),
        this);
    note->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
}

QString CredentialsDialog::user() const
{
    return m_user->text();
}

QString CredentialsDialog::password() const
{
    return m_password->text();
}
