// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_PATHCONNECTOR_H
#define QTWS_CONNECT_PATHCONNECTOR_H

#include "protocol/httpmessage.h"
#include "transport/tlsclient.h"

#include <qtws/connectreport.h>
#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QAuthenticator>
#include <QtNetwork/QNetworkProxy>

#include <memory>
#include <optional>

namespace QtWs {

class ByteStream;
class HttpExchange;
class ProxyAuthSession;
class SocksClient;
class TcpConnector;

/*!
    \class QtWs::PathConnector
    \internal
    \brief Builds one connection along a hop of the proxy list and yields the stream that HTTP
    requests for the server go over.

    Two modes:
    \list
    \li Tunnel: the stream reaches the server itself. DIRECT: TCP to the server. SOCKS: TCP to the
        proxy, then the SOCKS handshake. HTTP or HTTPS proxy: TCP (and TLS) to the proxy, then
        CONNECT with up to ProxyAuthSession::MaxRounds 407 rounds. Then TLS to the server when
        the target asks for it (on the socket itself, or inside the proxy's TLS).
    \li Forward: the stream reaches an HTTP or HTTPS proxy, and requests go to it in absolute form
        (the proxy forwards them); the caller adds the proxy's credentials to each request.
    \endlist
    Every socket is told QNetworkProxy::NoProxy: the path is exactly the hop the configuration
    named. finished() is emitted once; failures carry the report's vocabulary (a
    ConnectAttempt::Failure, a WebSocket::Error, a sentence and the proxy's answer).
    \since 0.2
*/
class QTWS_EXPORT PathConnector : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Tunnel, Forward };
    Q_ENUM(Mode)

    /*! The server end of the path. */
    struct Target
    {
        QString host;
        quint16 port = 0;
        bool tls = false; //!< TLS to the server (wss://, https://); Tunnel mode only
    };

    /*! \a auth (shared with the caller's forwarded requests) may be null for DIRECT and SOCKS.
        \a options give the TLS settings, read only when a TLS handshake starts (an HTTPS proxy
        or a TLS target): a plain path never builds a QSslConfiguration. */
    PathConnector(const ProxyCandidate &hop, Mode mode, const Target &target,
        const WebSocketOptions &options, ProxyAuthSession *auth, QObject *parent = nullptr);
    ~PathConnector() override;

    void start();
    void abort();
    void ignoreSslErrors(const QList<QSslError> &errors);
    void setIgnoredSslErrors(const QList<QSslError> &errors) { m_ignoredSslErrors = errors; }

    bool isFinished() const { return m_finished; }
    bool isValid() const { return m_finished && m_failure == ConnectAttempt::Failure::None; }
    /*! The stream after success; the caller owns it. */
    ByteStream *takeStream();

    ConnectAttempt::Failure failure() const { return m_failure; }
    WebSocket::Error error() const { return m_error; }
    QString reason() const { return m_reason; }
    QString detail() const { return m_detail; }
    /*! The proxy's answer to CONNECT, when there was one. */
    const std::optional<Protocol::HttpResponseHead> &proxyResponse() const { return m_response; }
    /*! A SOCKS summary ("SOCKS5 tunnel to origin.test:8080"), when SOCKS was used. */
    QString socksSummary() const { return m_socksSummary; }
    /*! What it is doing, for timeout messages ("waiting for the proxy's answer to CONNECT"). */
    QString stepText() const;
    /*! True while the hop itself is being reached (a timeout then means "unreachable"). */
    bool isReachingHop() const { return m_step == Step::Reaching || m_step == Step::ProxyTls; }

Q_SIGNALS:
    void finished();
    void progressed();
    void sslErrors(const QList<QSslError> &errors);
    /*! A SOCKS5 proxy wants a user name and password that the candidate and the process-wide
        memory do not have; a slot fills \a authenticator (connected directly). */
    void proxyAuthenticationRequired(const QNetworkProxy &proxy, QAuthenticator *authenticator);

private:
    enum class Step { Idle, Reaching, ProxyTls, Socks, Connect, ServerTls, Done };

    void setStep(Step step);
    void reach();
    void onReached();
    void onProxyTls();
    void afterHop();
    void startSocks();
    void onSocks();
    bool askForSocksCredentials();
    void sendConnect();
    void onConnectAnswer();
    void startServerTls();
    void onServerTls();
    void startTls(const QString &name, void (PathConnector::*done)());
    void succeed();
    void fail(ConnectAttempt::Failure failure, const QString &reason,
        const QString &detail = QString(), WebSocket::Error error = WebSocket::Error::NoError);
    void failReach(ConnectFailure failure, const QString &message);
    QString hopName() const;
    void release();

    ProxyCandidate m_hop;
    Mode m_mode;
    Target m_target;
    WebSocketOptions m_options; // implicitly shared: no copy of the TLS settings per attempt
    QPointer<ProxyAuthSession> m_auth;
    QList<QSslError> m_ignoredSslErrors;
    Step m_step = Step::Idle;

    QPointer<TcpConnector> m_connector;
    QPointer<TlsClient> m_tls;
    QPointer<ByteStream> m_stream;
    QPointer<HttpExchange> m_exchange;
    std::unique_ptr<SocksClient> m_socks;
    std::optional<Protocol::HttpResponseHead> m_response;
    QString m_socksSummary;
    bool m_socksPrompted = false;

    ConnectAttempt::Failure m_failure = ConnectAttempt::Failure::None;
    WebSocket::Error m_error = WebSocket::Error::NoError;
    QString m_reason;
    QString m_detail;
    bool m_finished = false;
};

/*! The WebSocket error a report failure stands for, when nothing finer is known. */
QTWS_EXPORT WebSocket::Error errorForFailure(ConnectAttempt::Failure failure);

} // namespace QtWs

#endif // QTWS_CONNECT_PATHCONNECTOR_H
