// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_CONNECTIONPLANNER_H
#define QTWS_CONNECT_CONNECTIONPLANNER_H

#include "attempt.h"

#include <qtws/connectreport.h>
#include <qtws/proxyresolver.h>
#include <qtws/websocket.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAuthenticator>

#include <memory>
#include <vector>

namespace QtWs {

class ByteStream;
class MessageChannel;

/*!
    \class QtWs::ConnectionPlanner
    \internal
    \brief Turns the proxy configuration into a connection: resolves the URL's candidates, plans
    the strategies for each, runs the attempts, and ends with an open MessageChannel or a typed
    error, recording everything in a ConnectReport.

    The rules, each of which a test checks:
    \list
    \li The candidates come from the configuration only: an explicit QNetworkProxy (NoProxy, HTTP,
        SOCKS5), else the per-socket ProxyConfiguration through the ProxyResolver (which defers to
        the application's and then the system's). DIRECT is tried only where the list contains it;
        a resolution error fails closed (Error::ProxyResolutionFailed).
    \li Candidates run in the configuration's order, except that a proxy which could not be reached
        in the last 5 minutes goes last (process-wide, as browsers do).
    \li Through each candidate, the strategies of WebSocketOptions::strategies() that apply to it
        run in order; the one that last worked for this hop and origin (StrategyCache) goes first.
        A hop that cannot be reached, or that rejects the credentials, is left for the next one.
    \li Each attempt has WebSocketOptions::handshakeTimeout(); everything together has
        connectTimeout(). With a racing delay, the next attempt starts when the running one has
        not finished by then, and the first to succeed wins.
    \endlist
    finished() is emitted once, never from inside start().
    \since 0.2
*/
class QTWS_EXPORT ConnectionPlanner : public QObject, private Attempt::Listener
{
    Q_OBJECT
public:
    /*! Most attempts running at once when racing. */
    static constexpr int MaxParallelAttempts = 3;

    /*!
        What the WebSocket hears from its planner, by plain calls instead of a signal connection
        each (five allocations per open() otherwise). Each call comes just before the signal of the
        same name, which stays for other observers; the same rules apply (finished once, never
        from inside start()).
    */
    class Listener
    {
    public:
        virtual void plannerAttemptStarted(const ConnectAttempt &attempt) = 0;
        virtual void plannerAttemptFinished(const ConnectAttempt &attempt) = 0;
        virtual void plannerSslErrors(const QList<QSslError> &errors) = 0;
        virtual void plannerProxyAuthenticationRequired(
            const QNetworkProxy &proxy, QAuthenticator *authenticator)
            = 0;
        virtual void plannerFinished() = 0;

    protected:
        ~Listener() = default;
    };

    ConnectionPlanner(std::shared_ptr<AttemptContext> context, QObject *parent = nullptr);
    ~ConnectionPlanner() override;

    /*! Sets who is told (not owned; null: nobody, as after the WebSocket let go). */
    void setListener(Listener *listener) { m_listener = listener; }

    /*! Starts: resolves with \a resolver (null: connect per the explicit proxy only). */
    void start(ProxyResolver *resolver);
    /*! Skips resolution and runs the upgrade alone on \a stream, already connected: the hook for
        in-process peers and tests (WebSocketPrivate::openOnStream()). */
    void startOnStream(ByteStream *stream);
    /*! Stops everything; no finished() follows. */
    void cancel();
    /*! Accepts \a errors in TLS handshakes under way and later ones. */
    void ignoreSslErrors(const QList<QSslError> &errors);

    /*! The report as it stands. */
    ConnectReport report() const;
    bool isConnected() const { return m_channel != nullptr; }
    /*! The upgrade request of the latest attempt that sent one (empty before). */
    Protocol::HttpRequestHead latestUpgradeRequest() const;
    /*! After a successful finished(): the open channel; the caller owns it. */
    MessageChannel *takeChannel();
    WebSocket::Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }

Q_SIGNALS:
    /*! The resolution is known (report().resolution()). */
    void resolved();
    void attemptStarted(const QtWs::ConnectAttempt &attempt);
    void attemptFinished(const QtWs::ConnectAttempt &attempt);
    void sslErrors(const QList<QSslError> &errors);
    void proxyAuthenticationRequired(const QNetworkProxy &proxy, QAuthenticator *authenticator);
    void finished();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct Step
    {
        ProxyCandidate hop;
        Strategy strategy;
    };
    struct Running
    {
        Attempt *attempt;
        qsizetype reportIndex;
    };

    // Attempt::Listener
    void attemptFinished(Attempt *attempt) override;
    void attemptSslErrors(const QList<QSslError> &errors) override;
    void attemptProxyAuthenticationRequired(
        const QNetworkProxy &proxy, QAuthenticator *authenticator) override;

    void emitFinished();
    void onResolved(const ProxyResolution &resolution);
    QList<ProxyCandidate> explicitCandidates(bool *isExplicit) const;
    void plan(const QList<ProxyCandidate> &candidates);
    void startNext();
    Attempt *launch(const Step &step);
    void onAttemptFinished(Attempt *attempt);
    void skipHop(const ProxyCandidate &hop);
    void skipPollingToSameServer(const ProxyCandidate &hop);
    void succeed(Attempt *attempt);
    void failAll();
    void finish(WebSocket::Error error, const QString &message);
    std::chrono::milliseconds remaining() const;
    void armRacingTimer();

    Listener *m_listener = nullptr;
    std::shared_ptr<AttemptContext> m_context;
    ConnectReport m_report;
    QList<Step> m_plan;
    qsizetype m_next = 0;
    std::vector<Running> m_running;
    std::vector<std::pair<WebSocket::Error, ConnectAttempt>> m_failures;
    ClockTimer m_deadline;
    ClockTimer m_racing;
    QPointer<MessageChannel> m_channel;
    WebSocket::Error m_error = WebSocket::Error::NoError;
    QString m_errorString;
    quint64 m_generation = 0;
    bool m_finished = false;
    bool m_starting = false; // inside start(): finished() must wait for the event loop
};

} // namespace QtWs

#endif // QTWS_CONNECT_CONNECTIONPLANNER_H
