// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACSANDBOX_H
#define QTWS_PACSANDBOX_H

#include "pacengine.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QVariantList>
#include <QtQml/QJSValue>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QJSEngine;

namespace QtWs {

class PacWatchdog;

/*
    The native side of the PAC helpers that need the outside world (DNS, local addresses, clock,
    log) or IPv6 parsing. Runs in qtws-pac-helper: the environment's resolveHost, localAddresses and
    clock must be set (the helper sets them to ask the parent process). Only the bootstrap closure holds its JavaScript wrapper: scripts cannot
    reach it.
*/
class PacHost : public QObject
{
    Q_OBJECT
public:
    PacHost(const PacEnvironment &environment, PacWatchdog *watchdog, const QString &scriptName);

    // Starts a new evaluation: empties the DNS cache, refreshes the clock, resets the DNS budget.
    void beginEvaluation();

    Q_INVOKABLE QString dnsResolve(const QString &host);
    Q_INVOKABLE QString dnsResolveEx(const QString &host);
    Q_INVOKABLE QString myIpAddress();
    Q_INVOKABLE QString myIpAddressEx();
    Q_INVOKABLE bool isInNetEx(const QString &address, const QString &prefix);
    Q_INVOKABLE QString sortIpAddressList(const QString &list);
    Q_INVOKABLE QVariantList clock();
    Q_INVOKABLE void alert(const QString &message);

private:
    QList<QHostAddress> lookup(const QString &host);
    QList<QHostAddress> localAddresses();

    PacEnvironment m_environment;
    PacWatchdog *m_watchdog;
    QString m_scriptName;
    QHash<QString, QList<QHostAddress>> m_dnsCache;
    QVariantList m_clock;
    std::optional<QList<QHostAddress>> m_localAddresses;
    std::chrono::milliseconds m_dnsSpent {0};
};

/*
    One QJSEngine with the PAC helpers and one script loaded, inside qtws-pac-helper.
*/
class PacSandbox
{
public:
    PacSandbox(const PacEnvironment &environment, PacWatchdog *watchdog, const QString &scriptName,
        ProxyCandidate::Source source);
    ~PacSandbox();
    PacSandbox(const PacSandbox &) = delete;
    PacSandbox &operator=(const PacSandbox &) = delete;

    // Compiles and runs the script's top level. On failure the result carries the error.
    PacResult load(const QString &script);
    PacResult evaluate(const QString &url, const QString &host);
    // True after an interrupt: the script's state may be half-updated, so the engine is rebuilt.
    bool isSpoiled() const noexcept { return m_spoiled; }

private:
    PacResult fail(PacError error, const QString &detail, int line = -1) const;
    PacResult failFromException(const QJSValue &exception, const QString &where);
    template<typename Work> PacResult guarded(const QString &where, Work work);
    PacResult evaluateArmed(const QString &url, const QString &host);

    PacEnvironment m_environment;
    PacWatchdog *m_watchdog;
    QString m_name;
    ProxyCandidate::Source m_source;
    std::unique_ptr<QJSEngine> m_engine;
    std::unique_ptr<PacHost> m_host;
    QJSValue m_call;
    bool m_spoiled = false;
};

} // namespace QtWs

#endif // QTWS_PACSANDBOX_H
