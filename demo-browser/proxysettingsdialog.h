// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_PROXYSETTINGSDIALOG_H
#define QTWSDEMO_PROXYSETTINGSDIALOG_H

#include <qtws/proxyconfiguration.h>

#include <QtWidgets/QDialog>

QT_BEGIN_NAMESPACE
class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
QT_END_NAMESPACE

/*!
    \class ProxySettingsDialog
    \brief Edits the browser's proxy configuration: the system settings (and what they resolve
    to), no proxy, a manual HTTP, HTTPS or SOCKS5 proxy with credentials, or a PAC URL; plus the
    hosts that never use a proxy.

    "Resolve" asks QtWs::ProxyResolver what the configuration in the dialog (not yet applied)
    makes of a URL: the ordered candidate list and why, or the error that would make every
    connection fail closed.
    \since 0.2
*/
class ProxySettingsDialog : public QDialog
{
    Q_OBJECT
public:
    ProxySettingsDialog(const QtWs::ProxyConfiguration &current, QWidget *parent = nullptr);

    /*! The configuration as the dialog shows it now; empty host with manual mode is invalid. */
    QtWs::ProxyConfiguration configuration() const;
    /*! A sentence about what is wrong with the form, or empty. */
    QString problem() const;

private:
    enum Mode { System, NoProxy, Manual, Pac };
    QWidget *manualBox();
    void load(const QtWs::ProxyConfiguration &c);
    void updateEnabled();
    void resolve();

    QButtonGroup *m_mode = nullptr;
    QComboBox *m_type = nullptr;
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QLineEdit *m_pac = nullptr;
    QLineEdit *m_noProxy = nullptr;
    QLineEdit *m_testUrl = nullptr;
    QPlainTextEdit *m_resolution = nullptr;
    QWidget *m_manual = nullptr;
    QLabel *m_problem = nullptr;
};

#endif // QTWSDEMO_PROXYSETTINGSDIALOG_H
