// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_CREDENTIALSDIALOG_H
#define QTWSDEMO_CREDENTIALSDIALOG_H

#include <QtWidgets/QDialog>

QT_BEGIN_NAMESPACE
class QLineEdit;
QT_END_NAMESPACE

/*!
    \class CredentialsDialog
    \brief Asks for the user name and password a proxy wants (its 407 answer), naming the proxy
    and the realm so that the user knows whom they answer.
    \since 0.2
*/
class CredentialsDialog : public QDialog
{
    Q_OBJECT
public:
    /*! \a proxy is "host:port" (or the host alone), \a realm what the proxy's challenge says. */
    CredentialsDialog(const QString &proxy, const QString &realm, QWidget *parent = nullptr);

    QString user() const;
    QString password() const;

private:
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
};

#endif // QTWSDEMO_CREDENTIALSDIALOG_H
