// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxysettingsdialog.h"

#include <qtws/proxyresolver.h>

#include <QtWidgets/QButtonGroup>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QRadioButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QVBoxLayout>

using QtWs::ProxyCandidate;
using QtWs::ProxyConfiguration;

ProxySettingsDialog::ProxySettingsDialog(const ProxyConfiguration &current, QWidget *parent)
    : QDialog(parent)
    , m_mode(new QButtonGroup(this))
    , m_pac(new QLineEdit(this))
    , m_noProxy(new QLineEdit(this))
    , m_testUrl(new QLineEdit(QStringLiteral("ws://example.com/"), this))
    , m_resolution(new QPlainTextEdit(this))
    , m_problem(new QLabel(this))
{
    setWindowTitle(tr("Proxy settings"));
    auto *layout = new QVBoxLayout(this);
    const QString labels[] = {tr("Follow the &system settings (environment, GNOME or KDE, PAC)"),
        tr("&No proxy"), tr("&Manual proxy"), tr("&PAC script URL")};
    for (int mode = System; mode <= Pac; ++mode) {
        auto *button = new QRadioButton(labels[mode], this);
        m_mode->addButton(button, mode);
        layout->addWidget(button);
        if (mode == Manual)
            layout->addWidget(manualBox());
        if (mode == Pac)
            layout->addWidget(m_pac);
    }
    m_pac->setPlaceholderText(
        QStringLiteral("http://wpad.example/proxy.pac, file:///etc/proxy.pac"));
    m_noProxy->setPlaceholderText(QStringLiteral("localhost, .corp.example, 10.0.0.0/8"));
    auto *noProxyRow = new QFormLayout;
    noProxyRow->addRow(tr("No proxy &for:"), m_noProxy);
    layout->addLayout(noProxyRow);

    auto *resolveRow = new QHBoxLayout;
    auto *resolveButton = new QPushButton(tr("&Resolve"), this);
    resolveRow->addWidget(new QLabel(tr("Show what this resolves to for:"), this));
    resolveRow->addWidget(m_testUrl, 1);
    resolveRow->addWidget(resolveButton);
    layout->addLayout(resolveRow);
    m_resolution->setReadOnly(true);
    m_resolution->setMaximumBlockCount(200);
    m_resolution->setFixedHeight(fontMetrics().lineSpacing() * 6);
    layout->addWidget(m_resolution);
    auto *note
        = new QLabel(tr("Page loads and page WebSockets both follow this setting. Qt WebEngine "
                        "takes PAC scripts, HTTPS and SOCKS4 proxies only when it starts "
                        "(--pac, --proxy). Credentials stay in memory."),
            this);
    note->setWordWrap(true);
    layout->addWidget(note);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));
    layout->addWidget(m_problem);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(buttons);

    connect(resolveButton, &QPushButton::clicked, this, &ProxySettingsDialog::resolve);
    connect(m_mode, &QButtonGroup::idToggled, this, &ProxySettingsDialog::updateEnabled);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        m_problem->setText(problem());
        if (problem().isEmpty())
            accept();
    });
    load(current);
}

QWidget *ProxySettingsDialog::manualBox()
{
    m_manual = new QWidget(this);
    m_type = new QComboBox(m_manual);
    m_type->addItem(QStringLiteral("HTTP"), int(ProxyCandidate::Type::Http));
    m_type->addItem(QStringLiteral("HTTPS"), int(ProxyCandidate::Type::Https));
    m_type->addItem(QStringLiteral("SOCKS5"), int(ProxyCandidate::Type::Socks5));
    m_host = new QLineEdit(m_manual);
    m_port = new QSpinBox(m_manual);
    m_port->setRange(1, 65535);
    m_port->setValue(3128);
    m_user = new QLineEdit(m_manual);
    m_password = new QLineEdit(m_manual);
    m_password->setEchoMode(QLineEdit::Password);
    auto *hostRow = new QHBoxLayout;
    hostRow->addWidget(m_type);
    hostRow->addWidget(m_host, 1);
    hostRow->addWidget(new QLabel(tr("port"), m_manual));
    hostRow->addWidget(m_port);
    auto *form = new QFormLayout(m_manual);
    form->setContentsMargins(24, 0, 0, 0);
    form->addRow(tr("Proxy:"), hostRow);
    form->addRow(tr("User:"), m_user);
    form->addRow(tr("Password:"), m_password);
    return m_manual;
}

void ProxySettingsDialog::load(const ProxyConfiguration &c)
{
    Mode mode = System;
    switch (c.mode()) {
    case ProxyConfiguration::Mode::NoProxy:
        mode = NoProxy;
        break;
    case ProxyConfiguration::Mode::Manual:
        mode = Manual;
        break;
    case ProxyConfiguration::Mode::PacUrl:
        mode = Pac;
        break;
    case ProxyConfiguration::Mode::System:
    case ProxyConfiguration::Mode::AutoDetect:
        break;
    }
    m_mode->button(mode)->setChecked(true);
    const QList<ProxyCandidate> manual = c.manualProxies();
    if (!manual.isEmpty()) {
        const ProxyCandidate &p = manual.constFirst();
        m_type->setCurrentIndex(qMax(0, m_type->findData(int(p.type()))));
        m_host->setText(p.host());
        m_port->setValue(p.port());
        m_user->setText(p.user());
        m_password->setText(p.password());
    }
    m_pac->setText(c.pacUrl().toString());
    m_noProxy->setText(c.noProxyList().join(QStringLiteral(", ")));
    updateEnabled();
}

void ProxySettingsDialog::updateEnabled()
{
    m_manual->setEnabled(m_mode->checkedId() == Manual);
    m_pac->setEnabled(m_mode->checkedId() == Pac);
}

QString ProxySettingsDialog::problem() const
{
    if (m_mode->checkedId() == Manual && m_host->text().trimmed().isEmpty())
        return tr("A manual proxy needs a host.");
    if (m_mode->checkedId() == Pac && !QUrl(m_pac->text().trimmed()).isValid())
        return tr("The PAC URL is not valid.");
    if (m_mode->checkedId() == Pac && m_pac->text().trimmed().isEmpty())
        return tr("A PAC URL is needed.");
    return QString();
}

ProxyConfiguration ProxySettingsDialog::configuration() const
{
    ProxyConfiguration c;
    switch (Mode(m_mode->checkedId())) {
    case System:
        break;
    case NoProxy:
        c = ProxyConfiguration::noProxy();
        break;
    case Manual: {
        ProxyCandidate p(ProxyCandidate::Type(m_type->currentData().toInt()),
            m_host->text().trimmed(), quint16(m_port->value()), ProxyCandidate::Source::Application,
            QStringLiteral("qtws-demo-browser"));
        if (!m_user->text().isEmpty())
            p.setCredentials(m_user->text(), m_password->text());
        c = ProxyConfiguration::manual({p});
        break;
    }
    case Pac:
        c = ProxyConfiguration::pac(QUrl::fromUserInput(m_pac->text().trimmed()));
        break;
    }
    if (c.mode() == ProxyConfiguration::Mode::Manual
        || c.mode() == ProxyConfiguration::Mode::PacUrl) {
        QStringList noProxy;
        for (const QString &entry : m_noProxy->text().split(u',', Qt::SkipEmptyParts))
            noProxy.append(entry.trimmed());
        c.setNoProxyList(noProxy);
    }
    return c;
}

void ProxySettingsDialog::resolve()
{
    const QUrl url = QUrl::fromUserInput(m_testUrl->text().trimmed());
    m_resolution->setPlainText(tr("Resolving %1 ...").arg(url.toString()));
    QtWs::ProxyResolver::shared()->resolve(
        url, configuration(), this, [this, url](const QtWs::ProxyResolution &r) {
            QStringList lines {tr("%1 resolves to:").arg(url.toString())};
            if (!r.isValid())
                lines << tr("  error: %1 (nothing would connect: qtws fails closed)")
                             .arg(r.errorString());
            int n = 0;
            for (const ProxyCandidate &c : r.candidates())
                lines << QStringLiteral("  %1. %2").arg(++n).arg(c.toPacString());
            if (!r.reason().isEmpty())
                lines << tr("  why: %1").arg(r.reason());
            for (const QString &w : r.warnings())
                lines << tr("  warning: %1").arg(w);
            m_resolution->setPlainText(lines.join(u'\n'));
        });
}
