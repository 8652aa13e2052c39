// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECTREPORT_H
#define QTWS_CONNECTREPORT_H

#include <qtws/global.h>
#include <qtws/proxycandidate.h>
#include <qtws/proxyresolver.h>
#include <qtws/qtws_export.h>

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>

namespace QtWs {

class ConnectAttemptPrivate;
class ConnectReportPrivate;

/*!
    \class QtWs::ConnectAttempt
    \brief One strategy tried through one hop of the proxy list, with what happened and the
    evidence: the status line the proxy or server answered, its Server, Via and X-Squid-Error
    headers, a plain-language reason and the timing.

    A value class. Attempts are recorded by QtWs::WebSocket while it connects and handed out in
    its ConnectReport (and one by one with WebSocket::connectAttemptFinished()).
    \since 0.2
    \sa QtWs::ConnectReport
*/
class QTWS_EXPORT ConnectAttempt
{
    Q_GADGET
public:
    /*! How the attempt ended. */
    enum class Outcome {
        Running, //!< still under way
        Succeeded, //!< a valid 101 (or an open polling session): this attempt carries the connection
        Failed, //!< it failed; failure() and reason() say why
        Cancelled, //!< stopped because another attempt won or the socket was closed
    };
    Q_ENUM(Outcome)

    /*! Why an attempt failed, by kind. */
    enum class Failure {
        None, //!< it did not fail
        /*! The hop could not be reached: connection refused, name not found, connect timeout, or a
            TLS failure to an HTTPS proxy. Such a proxy is tried last for 5 minutes. */
        ProxyUnreachable,
        /*! The proxy refused the request (403, 400, 405, 501, 502, 503, 504, a SOCKS refusal). */
        ProxyRefused,
        /*! Proxy authentication failed: no credentials, rejected ones, or only unsupported schemes. */
        ProxyAuthentication,
        /*! The proxy answered something that is not valid HTTP or SOCKS. */
        ProxyProtocol,
        /*! The upgrade did not reach the server: the proxy answered 200 (it dropped Upgrade) or
            closed. */
        UpgradeNotForwarded,
        /*! The server (or the DIRECT target) could not be reached or dropped the connection. */
        ConnectionFailed,
        /*! TLS with the server failed (certificate or handshake). */
        TlsFailed,
        /*! The server answered the upgrade with a status other than 101. */
        HandshakeRejected,
        /*! A 101 that breaks RFC 6455 §4.1 (wrong accept key, missing Upgrade), or an invalid
            Engine.IO handshake. */
        HandshakeInvalid,
        /*! The attempt's deadline expired. */
        Timeout,
    };
    Q_ENUM(Failure)

    /*! Who produced statusLine(). */
    enum class Responder {
        Nobody, //!< no HTTP answer was read
        Proxy, //!< the proxy itself (a CONNECT reply, or an answer that carries its error page)
        Server, //!< the server, through the proxy or directly
    };
    Q_ENUM(Responder)

    ConnectAttempt();
    /*! A running attempt of \a strategy through \a candidate. */
    ConnectAttempt(const ProxyCandidate &candidate, Strategy strategy);
    /*! Copies \a other; the copy shares its data until one of them changes (implicit sharing). */
    ConnectAttempt(const ConnectAttempt &other);
    /*! Moves \a other into a new object. */
    ConnectAttempt(ConnectAttempt &&other) noexcept;
    /*! Assigns \a other to this object (implicitly shared). */
    ConnectAttempt &operator=(const ConnectAttempt &other);
    /*! Moves \a other into this object. */
    ConnectAttempt &operator=(ConnectAttempt &&other) noexcept;
    ~ConnectAttempt();
    /*! Swaps this object with \a other; never fails. */
    void swap(ConnectAttempt &other) noexcept { d.swap(other.d); }

    /*! The hop: DIRECT or the proxy (credentials are never part of a report). */
    ProxyCandidate candidate() const;
    /*! The strategy tried. */
    Strategy strategy() const;
    /*! When the attempt started, counted from WebSocket::open(). */
    std::chrono::milliseconds startedAt() const;
    /*! Sets startedAt() to \a offset. */
    void setStartedAt(std::chrono::milliseconds offset);
    /*! How long it ran. */
    std::chrono::milliseconds duration() const;
    /*! Sets duration() to \a duration. */
    void setDuration(std::chrono::milliseconds duration);

    /*! How the attempt ended (Outcome::Running while under way). */
    Outcome outcome() const;
    /*! Sets outcome() to \a outcome. */
    void setOutcome(Outcome outcome);
    /*! Why it failed, by kind; Failure::None unless outcome() is Outcome::Failed. */
    Failure failure() const;
    /*! Marks the attempt failed with \a failure and the sentence \a reason. */
    void setFailure(Failure failure, const QString &reason);

    /*! A plain-language sentence: why it failed, or how it got through. */
    QString reason() const;
    /*! Sets reason() to \a reason. */
    void setReason(const QString &reason);
    /*! Technical detail for experts (a socket error, the parser's message); may be empty. */
    QString detail() const;
    /*! Sets detail() to \a detail. */
    void setDetail(const QString &detail);

    /*! The status line as received (e.g. "HTTP/1.1 403 Forbidden"), empty if none. */
    QString statusLine() const;
    /*! The status code of statusLine(); 0 when there was none. */
    int statusCode() const;
    /*! Who wrote statusLine(): the proxy or the server. */
    Responder responder() const;
    /*!
        Sets statusLine() to \a statusLine, statusCode() to \a statusCode and responder() to \a
        responder.
    */
    void setStatus(const QString &statusLine, int statusCode, Responder responder);
    /*! The Server, Via and X-Squid-Error headers of that answer, empty when absent. */
    QString server() const;
    /*! The Via header of that answer, empty when absent. */
    QString via() const;
    /*! The X-Squid-Error header of that answer, empty when absent. */
    QString squidError() const;
    /*! Sets server(), via() and squidError() to \a server, \a via and \a squidError. */
    void setProxyHeaders(const QString &server, const QString &via, const QString &squidError);

    /*! The attempt as a JSON object (camelCase keys; no credentials). */
    QJsonObject toJson() const;

    /*! True when \a a and \a b hold the same values. */
    friend QTWS_EXPORT bool operator==(const ConnectAttempt &a, const ConnectAttempt &b);
    /*! True when \a a and \a b differ. */
    friend bool operator!=(const ConnectAttempt &a, const ConnectAttempt &b) { return !(a == b); }

private:
    QSharedDataPointer<ConnectAttemptPrivate> d;
};

/*!
    \class QtWs::ConnectReport
    \brief Everything one WebSocket::open() did to connect: the URL, the proxy configuration's
    decision (its source, the PAC answer or variable, the candidate list), every attempt in the
    order it started, and the result.

    Available while connecting (WebSocket::connectReport() and the per-attempt signal), after
    success and after failure. toJson() is what `qtws-cat --report-json` writes and what
    `qtws-probe --json` prints; toText() is the table a person reads.

    \code
    connect(socket, &QtWs::WebSocket::errorOccurred, socket, [socket] {
        qWarning().noquote() << socket->connectReport().toText();
    });
    \endcode
    \since 0.2
    \sa QtWs::ConnectAttempt, QtWs::WebSocket::connectReport()
*/
class QTWS_EXPORT ConnectReport
{
public:
    ConnectReport();
    /*! An empty, unfinished report for opening \a url. */
    explicit ConnectReport(const QUrl &url);
    /*! Copies \a other; the copy shares its data until one of them changes (implicit sharing). */
    ConnectReport(const ConnectReport &other);
    /*! Moves \a other into a new object. */
    ConnectReport(ConnectReport &&other) noexcept;
    /*! Assigns \a other to this object (implicitly shared). */
    ConnectReport &operator=(const ConnectReport &other);
    /*! Moves \a other into this object. */
    ConnectReport &operator=(ConnectReport &&other) noexcept;
    ~ConnectReport();
    /*! Swaps this object with \a other; never fails. */
    void swap(ConnectReport &other) noexcept { d.swap(other.d); }

    /*! The URL that was opened. */
    QUrl url() const;

    /*!
        The proxy decision: the candidates, where they came from (ProxyCandidate::source() and
        origin(): the variable, the PAC URL, the settings file) and why (ProxyResolution::reason()).
        Invalid while resolution is under way; an invalid resolution with an error when the
        configuration could not be evaluated (qtws then fails closed: nothing connects).
    */
    ProxyResolution resolution() const;
    /*! Sets resolution() to \a resolution. */
    void setResolution(const ProxyResolution &resolution);

    /*! Every attempt, in the order it started. */
    QList<ConnectAttempt> attempts() const;
    /*! Appends \a attempt, or replaces the attempt at \a index (0 <= index < attempts().size()). */
    void addAttempt(const ConnectAttempt &attempt);
    /*! Replaces the attempt at \a index (0 <= \a index < attempts().size()) with \a attempt. */
    void updateAttempt(qsizetype index, const ConnectAttempt &attempt);

    /*!
        What the planner decided besides the attempts, in plain language: a proxy moved last
        because it could not be reached recently, a strategy tried first because it worked last
        time, strategies that do not apply to a hop.
    */
    QStringList notes() const;
    /*! Appends \a note to notes(). */
    void addNote(const QString &note);

    /*! True once open() succeeded or failed. */
    bool isFinished() const;
    /*! True when a strategy connected. */
    bool isConnected() const;
    /*! The winning strategy and hop (valid when isConnected()). */
    Strategy strategy() const;
    /*! The hop of the winning attempt (valid when isConnected()). */
    ProxyCandidate proxyUsed() const;
    /*! Records the end: \a connected, with \a errorString when it failed. */
    void finish(bool connected, const QString &errorString = QString());
    /*! Why open() failed, summarising the attempts; empty on success. */
    QString errorString() const;
    /*! Time from open() to the end (or to now while running). */
    std::chrono::milliseconds duration() const;
    /*! Sets duration() to \a duration. */
    void setDuration(std::chrono::milliseconds duration);

    /*! The report as JSON: url, resolution (source, reason, candidates, error), attempts, result. */
    QJsonObject toJson() const;
    /*! A plain-text table: one line per attempt with hop, strategy, timing, status and reason. */
    QString toText() const;

    /*! True when \a a and \a b hold the same values. */
    friend QTWS_EXPORT bool operator==(const ConnectReport &a, const ConnectReport &b);
    /*! True when \a a and \a b differ. */
    friend bool operator!=(const ConnectReport &a, const ConnectReport &b) { return !(a == b); }

private:
    QSharedDataPointer<ConnectReportPrivate> d;
};

} // namespace QtWs

Q_DECLARE_SHARED(QtWs::ConnectAttempt)
Q_DECLARE_SHARED(QtWs::ConnectReport)
Q_DECLARE_METATYPE(QtWs::ConnectAttempt)
Q_DECLARE_METATYPE(QtWs::ConnectReport)

#endif // QTWS_CONNECTREPORT_H
