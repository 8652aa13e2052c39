// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_ATTEMPT_H
#define QTWS_CONNECT_ATTEMPT_H

#include "common/clientclock.h"
#include "protocol/handshake.h"
#include "protocol/httpmessage.h"

#include <qtws/connectreport.h>
#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAuthenticator>
#include <QtNetwork/QNetworkProxy>

#include <memory>

namespace QtWs {

class ByteStream;
class HttpExchange;
class MessageChannel;
class PathConnector;
class ProxyAuthSession;

/*!
    \internal
    What every attempt of one WebSocket::open() shares: the target, the opening handshake as the
    options describe it (checked once, in WebSocket::open()), and the TLS settings.
*/
struct AttemptContext
{
    QUrl url; //!< ws:// or wss://, without fragment
    Protocol::HandshakeRequest handshake; //!< origin-form template; each attempt takes a new key
    WebSocketOptions options;
    QList<QSslError> ignoredSslErrors;
    bool frameEvents = false; //!< the WebSocket reports single frames
    ClientClock *clock = ClientClock::system(); //!< deadlines and timestamps (tests: a manual one)
    qint64 openedAt = 0; //!< clock->now() at open(): attempt times are offsets from it

    std::chrono::milliseconds sinceOpen() const
    {
        return std::chrono::milliseconds(clock->now() - openedAt);
    }
};

/*!
    \class QtWs::Attempt
    \internal
    \brief One strategy through one hop: reaches the hop, opens the tunnel if the strategy has one,
    runs TLS where the path needs it, sends the upgrade in the strategy's form, and ends with an
    open MessageChannel or a typed failure and its evidence (a ConnectAttempt).

    The steps, each bounded by the attempt's deadline:
    \list
    \li reach: TCP to the server (Direct) or to the proxy; TLS to an HTTPS proxy;
    \li tunnel: SOCKS handshake, or CONNECT (with up to MaxAuthRounds 407 rounds);
    \li TLS to the server for wss:// through a tunnel (Direct, SocksTunnel, ConnectTunnel);
    \li upgrade: the opening handshake in origin form (through a tunnel or direct), in absolute
        form (ForwardedUpgrade, BareUpgrade) or as OPTIONS (OptionsUpgrade), with 407 rounds for
        the forwarded forms; only a valid 101 counts as success.
    \endlist
    Proxy credentials come from the candidate, then from the process-wide cache, then from the
    application through proxyAuthenticationRequired(); they are only ever written to the proxy
    they belong to. finished() is emitted once.
    \since 0.2
*/
class QTWS_EXPORT Attempt : public QObject
{
    Q_OBJECT
public:
    /*!
        What the planner hears from its attempts, by plain calls rather than four signal
        connections per attempt (each connection is an allocation, and a thousand sockets opening
        at once hold all of them at the same time). Called before the matching signal is emitted;
        the signals stay for other observers (the tests).
    */
    class Listener
    {
    public:
        virtual void attemptFinished(Attempt *attempt) = 0;
        virtual void attemptSslErrors(const QList<QSslError> &errors) = 0;
        virtual void attemptProxyAuthenticationRequired(
            const QNetworkProxy &proxy, QAuthenticator *authenticator)
            = 0;

    protected:
        ~Listener() = default;
    };

    Attempt(const ProxyCandidate &hop, Strategy strategy,
        std::shared_ptr<const AttemptContext> context, QObject *parent = nullptr);
    ~Attempt() override;

    /*! Sets who is told about the attempt (not owned; null: nobody). */
    void setListener(Listener *listener) { m_listener = listener; }

    const ProxyCandidate &hop() const { return m_hop; }
    Strategy strategy() const { return m_strategy; }

    /*! Starts; the attempt fails with a timeout after \a timeout. */
    void start(std::chrono::milliseconds timeout);
    /*! Runs only the upgrade, on \a stream, which is already connected (and encrypted for
        wss://): the hook for in-process peers and the unit tests' in-memory pairs. */
    void startOnStream(ByteStream *stream, std::chrono::milliseconds timeout);
    /*! Stops without a result (another attempt won, or the socket gave up); no finished(). */
    void cancel();
    /*! Accepts \a errors in a TLS handshake under way (from a slot connected to sslErrors()). */
    void ignoreSslErrors(const QList<QSslError> &errors);

    bool isFinished() const { return m_finished; }
    /*! Time since start(). */
    std::chrono::milliseconds elapsed() const;
    bool isSucceeded() const { return m_record.outcome() == ConnectAttempt::Outcome::Succeeded; }
    /*! The report entry, as it stands. */
    ConnectAttempt record() const;
    /*! After a failure: the WebSocket error it stands for (finer than record().failure()). */
    WebSocket::Error error() const { return m_error; }
    /*! After success: the open channel; the caller owns it. */
    MessageChannel *takeChannel();
    /*! The upgrade request as built for this attempt (without proxy credentials), once sent. */
    Protocol::HttpRequestHead upgradeRequest() const;
    bool hasSentUpgrade() const { return m_upgradeSent; }

    /*! True for strategies that never apply to \a hop or \a url (e.g. OPTIONS for wss://). */
    static bool applies(
        Strategy strategy, const ProxyCandidate &hop, const QUrl &url, QString *whyNot = nullptr);

Q_SIGNALS:
    void finished();
    /*! A step of the attempt itself started (sending the upgrade, probing a forwarded path). */
    void progressed();
    void sslErrors(const QList<QSslError> &errors);
    /*! The proxy asks for credentials that the candidate and the cache do not have; a slot fills
        \a authenticator (connected directly: it must answer before returning). */
    void proxyAuthenticationRequired(const QNetworkProxy &proxy, QAuthenticator *authenticator);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void notifyFinished();
    void onSslErrors(const QList<QSslError> &errors);
    void onProxyAuthenticationRequired(const QNetworkProxy &proxy, QAuthenticator *authenticator);
    void begin(std::chrono::milliseconds timeout);
    void startPath();
    void onPath();
    void sendUpgrade();
    void startPolling();
    void onPollingOpen();
    void onUpgradeAnswer();
    void onForwardedRefusal(
        const Protocol::HttpResponseHead &response, const Protocol::HandshakeResult &result);
    bool tryNextForm(const QString &why);
    void complete();
    QString successSentence() const;
    void retryAfter407(const Protocol::HttpResponseHead &response, bool reusable);
    Protocol::HttpRequestHead upgradeRequestHead();
    void succeed(const Protocol::HttpResponseHead &response,
        const Protocol::HandshakeResult &result, const QByteArray &leftover);
    void fail(ConnectAttempt::Failure failure, const QString &reason,
        const QString &detail = QString(), WebSocket::Error error = WebSocket::Error::NoError);
    void recordAnswer(const Protocol::HttpResponseHead &response, ConnectAttempt::Responder who);
    bool isForwarded() const;
    void release();

    Listener *m_listener = nullptr;
    ProxyCandidate m_hop;
    Strategy m_strategy;
    std::shared_ptr<const AttemptContext> m_context;
    ConnectAttempt m_record;
    qint64 m_startedAt = 0; // m_context->clock->now()
    ClockTimer m_deadline;
    std::chrono::milliseconds m_timeout {0};
    QList<QSslError> m_ignoredSslErrors;

    QPointer<ProxyAuthSession> m_auth;
    QPointer<PathConnector> m_path;
    QPointer<ByteStream> m_stream;
    QPointer<HttpExchange> m_exchange;
    Protocol::HandshakeRequest m_request; // the upgrade request of this attempt
    QPointer<MessageChannel> m_channel;
    WebSocket::Error m_error = WebSocket::Error::NoError;
    int m_variant = 0; // the form of a forwarded upgrade (see forwardedForms)
    QStringList m_formNotes;
    QString m_firstLostReason;
    Protocol::HttpResponseHead m_firstLost; // the answer to the first form that lost the upgrade
    bool m_upgradeSent = false;
    bool m_finished = false;
};

} // namespace QtWs

#endif // QTWS_CONNECT_ATTEMPT_H
