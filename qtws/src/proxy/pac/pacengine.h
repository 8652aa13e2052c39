// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACENGINE_H
#define QTWS_PACENGINE_H

#include "pacresult.h"

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QDateTime>
#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>

#include <chrono>
#include <functional>
#include <memory>

namespace QtWs {

/*! Default limit for one FindProxyForURL call (and for loading the script). */
constexpr std::chrono::milliseconds kPacDefaultEvaluationTimeout {300};
/*! Default limit for one DNS lookup made by dnsResolve() and friends. */
constexpr std::chrono::milliseconds kPacDefaultDnsTimeout {2000};
/*! Default total DNS time one evaluation may spend; further lookups fail at once. */
constexpr std::chrono::milliseconds kPacDefaultDnsBudget {5000};
/*! Default script size limit, in UTF-16 code units (1 Mi). */
constexpr qsizetype kPacDefaultMaxScriptSize = 1024 * 1024;

/*!
    \class QtWs::PacEnvironment
    \brief What a PAC script may learn about the world: the clock, name resolution and the local
    addresses, plus the engine's limits. A value class; every function may be left empty for the
    system default and replaced in tests.

    The functions are called in the application's process (the script's helper process asks for
    their answers, or gets them with the request), on the engine's worker thread or on a thread
    inside PacEngine::findProxyForUrlSync(), and must be thread-safe. localAddresses and clock are
    called once per evaluation of a script whose source names myIpAddress() or a time helper,
    whether or not that evaluation reaches it.
    \since 0.1
*/
struct QTWS_EXPORT PacEnvironment
{
    /*!
        The current time. Local-time helpers (weekdayRange, dateRange, timeRange without "GMT") use
        the fields of the returned QDateTime as it is (its own time spec or offset), the "GMT"
        variants use toUTC(). Default: QDateTime::currentDateTime().
    */
    std::function<QDateTime()> clock;
    /*!
        Resolves \a host (a name, never an IP literal) within \a timeout. Default: QHostInfo on a
        helper thread, abandoned at the timeout. An empty list means "does not resolve".
    */
    std::function<QList<QHostAddress>(const QString &host, std::chrono::milliseconds timeout)>
        resolveHost;
    /*! The machine's addresses for myIpAddress()/myIpAddressEx(); default: all interfaces. */
    std::function<QList<QHostAddress>()> localAddresses;

    /*! Per call and for the script's top level. */
    std::chrono::milliseconds evaluationTimeout = kPacDefaultEvaluationTimeout;
    /*! Per lookup; not counted in evaluationTimeout. */
    std::chrono::milliseconds dnsTimeout = kPacDefaultDnsTimeout;
    /*! Total lookup time per evaluation. */
    std::chrono::milliseconds dnsBudget = kPacDefaultDnsBudget;
    /*! Larger scripts fail with ScriptTooLarge. */
    qsizetype maxScriptSize = kPacDefaultMaxScriptSize;
    /*!
        For https:// and wss:// URLs, hand only scheme://host[:port]/ to the script, as Chromium
        does, so that paths and queries of encrypted requests do not leak to the PAC author.
        Credentials and fragments are always removed.
    */
    bool stripSecurePathAndQuery = true;
};

class PacEnginePrivate;

/*!
    \class QtWs::PacEngine
    \brief Evaluates one PAC script in a sandboxed QJSEngine in a helper process, served by a
    dedicated worker thread.

    The JavaScript global object holds the ECMAScript built-ins, the Netscape helpers
    (isPlainHostName, dnsDomainIs, localHostOrDomainIs, isResolvable, isInNet, dnsResolve,
    convert_addr, myIpAddress, dnsDomainLevels, shExpMatch, weekdayRange, dateRange, timeRange,
    alert) and Microsoft's IPv6 extensions (isInNetEx, dnsResolveEx, myIpAddressEx, isResolvableEx,
    sortIpAddressList, getClientVersion), and nothing else of the host; binary-data built-ins
    (ArrayBuffer, typed arrays, DataView, Atomics) are removed and String.prototype.repeat,
    padStart, padEnd and Array.prototype.fill are capped at 16 Mi, because a single native
    allocation cannot be interrupted. FindProxyForURLEx is called when the script defines it,
    FindProxyForURL otherwise. URL and host are passed as JavaScript values, never pasted into
    source.

    The script runs in a separate process, qtws-pac-helper (installed in the libexec directory,
    qtws/ subfolder; the environment variable QTWS_PAC_HELPER names another), kept running between
    calls. The engine talks to it over a socket and answers its DNS, local-address and clock
    questions with the PacEnvironment functions, in this process: from its worker thread, which
    sends all queued asynchronous requests at once, or, for a synchronous request that finds
    nothing queued, from the calling thread itself.

    Every call and the script's top level are limited by PacEnvironment::evaluationTimeout: a
    watchdog thread in the helper interrupts the engine (QJSEngine::setInterrupted), the call fails
    with PacError::Timeout and the helper rebuilds the engine from the script for the next call.
    V4 checks the interrupt flag only after calls and on loop edges, so a single long native call
    (a catastrophic regular expression such as /(a+)+b/ on a long string of a's) or a script that
    recurses again from its catch blocks can outlive the interrupt: when the helper has not
    answered 200 ms after the timeout, it is killed, the call fails with PacError::Timeout and the
    requests behind it go to a fresh helper. A helper that exits or breaks the protocol fails the
    request in progress with PacError::EngineUnavailable and is replaced by the next one. Requests
    are served in order, one at a time.

    Helper semantics follow Netscape's specification as Mozilla and Chromium implement it, except:
    isPlainHostName() is false for IPv6 literals; shExpMatch() falls back to a literal match when a
    pattern is not a valid regular expression; dateRange() and timeRange() accept wrap-around
    ranges; invalid argument forms return false instead of throwing; isInNetEx() takes an IP literal
    (as in Chromium); sortIpAddressList() puts IPv6 before IPv4 as Microsoft documents, each family
    in ascending numeric order (stable), and answers "" for an unsortable list.
    \since 0.1
*/
class QTWS_EXPORT PacEngine : public QObject
{
    Q_OBJECT
public:
    explicit PacEngine(QObject *parent = nullptr);
    /*!
        Stops a running evaluation (killing its helper process) and the worker; pending callbacks
        are not called.
    */
    ~PacEngine() override;

    /*! Applies to requests made after this call. */
    void setEnvironment(const PacEnvironment &environment);
    PacEnvironment environment() const;

    /*!
        Sets the script. \a name (URL or file path) names it in messages and becomes the candidates'
        origin; \a source tags the candidates. The script is compiled on the worker before the next
        request; compile errors are reported by every request until another script is set.
    */
    void setScript(const QString &script, const QString &name,
        ProxyCandidate::Source source = ProxyCandidate::Source::Pac);
    QString scriptName() const;

    /*!
        Evaluates the script for \a url without blocking; \a callback runs on \a context's thread
        unless \a context was destroyed meanwhile; with a null \a context it runs on the engine's
        thread. \a hostOverride replaces the host handed to the script (pactester's -h).
    */
    void findProxyForUrl(const QUrl &url, const QObject *context,
        std::function<void(const PacResult &)> callback, const QString &hostOverride = QString());

    /*!
        Evaluates the script for \a url and waits for the answer: for tools, tests and benchmarks.
        Must not be called on the engine's worker thread.
    */
    PacResult findProxyForUrlSync(const QUrl &url, const QString &hostOverride = QString());

    /*!
        The URL string handed to FindProxyForURL for \a url under \a environment (exposed for *
        tests).
    */
    static QString scriptUrl(const QUrl &url, const PacEnvironment &environment);

private:
    Q_DISABLE_COPY_MOVE(PacEngine)
    Q_DECLARE_PRIVATE(PacEngine)
    std::unique_ptr<PacEnginePrivate> const d_ptr;
};

} // namespace QtWs

#endif // QTWS_PACENGINE_H
