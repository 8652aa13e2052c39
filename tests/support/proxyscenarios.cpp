// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyscenarios.h"

#include "apacheproxy.h"
#include "danteproxy.h"
#include "squidproxy.h"
#include "tinyproxy.h"

#include <QtCore/QFile>

namespace QtWs::Test {

namespace {

std::unique_ptr<ProxyFixture> makeProxy(ProxyKind kind, const QList<quint16> &tunnelPorts)
{
    switch (kind) {
    case ProxyKind::SquidDebian:
    case ProxyKind::SquidUpgrades:
    case ProxyKind::SquidBasic: {
        auto squid = std::make_unique<SquidProxy>();
        for (quint16 port : tunnelPorts)
            squid->addSslPort(port);
        squid->setUpgradeAllowed(kind == ProxyKind::SquidUpgrades);
        if (kind == ProxyKind::SquidBasic)
            squid->setAuthentication(SquidProxy::Authentication::Basic);
        return squid;
    }
    case ProxyKind::Tinyproxy:
    case ProxyKind::TinyproxyRestricted: {
        auto tinyproxy = std::make_unique<Tinyproxy>();
        if (kind == ProxyKind::TinyproxyRestricted)
            tinyproxy->setConnectPorts({443, 563});
        return tinyproxy;
    }
    case ProxyKind::Dante:
    case ProxyKind::DanteAuthentication: {
        auto dante = std::make_unique<DanteProxy>();
        dante->setAuthentication(kind == ProxyKind::DanteAuthentication);
        return dante;
    }
    case ProxyKind::HttpsProxy: {
        auto apache = std::make_unique<ApacheProxy>();
        apache->setTls(true);
        apache->setAllowConnect(tunnelPorts);
        return apache;
    }
    }
    return nullptr;
}

QString executable(ProxyKind kind)
{
    switch (kind) {
    case ProxyKind::SquidDebian:
    case ProxyKind::SquidUpgrades:
    case ProxyKind::SquidBasic:
        return QStringLiteral("/usr/sbin/squid");
    case ProxyKind::Tinyproxy:
    case ProxyKind::TinyproxyRestricted:
        return QStringLiteral("/usr/bin/tinyproxy");
    case ProxyKind::Dante:
    case ProxyKind::DanteAuthentication:
        return QStringLiteral("/usr/sbin/danted");
    case ProxyKind::HttpsProxy:
        return QStringLiteral("/usr/sbin/apache2");
    }
    return QString();
}

} // namespace

QString proxyKindName(ProxyKind kind)
{
    switch (kind) {
    case ProxyKind::SquidDebian:
        return QStringLiteral("squid (Debian rules)");
    case ProxyKind::SquidUpgrades:
        return QStringLiteral("squid (upgrades allowed)");
    case ProxyKind::SquidBasic:
        return QStringLiteral("squid (Basic authentication)");
    case ProxyKind::Tinyproxy:
        return QStringLiteral("tinyproxy");
    case ProxyKind::TinyproxyRestricted:
        return QStringLiteral("tinyproxy (ConnectPort 443 563)");
    case ProxyKind::Dante:
        return QStringLiteral("dante (SOCKS5)");
    case ProxyKind::DanteAuthentication:
        return QStringLiteral("dante (SOCKS5, username/password)");
    case ProxyKind::HttpsProxy:
        return QStringLiteral("apache2 (HTTPS proxy)");
    }
    return QString();
}

std::unique_ptr<ProxyFixture> startProxy(ProxyKind kind, const QList<quint16> &tunnelPorts,
    const QList<QPair<QString, QHostAddress>> &hosts, QString *error, bool *missing)
{
    *missing = !QFile::exists(executable(kind));
    if (*missing) {
        *error = proxyKindName(kind) + QStringLiteral(" is not installed (") + executable(kind)
            + QStringLiteral("; scripts/install-deps.sh installs it)");
        return nullptr;
    }
    std::unique_ptr<ProxyFixture> proxy = makeProxy(kind, tunnelPorts);
    for (const auto &[name, address] : hosts)
        proxy->addHost(name, address);
    if (!proxy->start()) {
        *error = proxyKindName(kind) + QStringLiteral(": ") + proxy->errorString();
        return nullptr;
    }
    return proxy;
}

QString proxyCaPath(const ProxyFixture &proxy)
{
    const auto *apache = dynamic_cast<const ApacheProxy *>(&proxy);
    return apache && apache->isTls() ? apache->caPath() : QString();
}

} // namespace QtWs::Test
