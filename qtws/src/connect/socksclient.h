// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_CONNECT_SOCKSCLIENT_H
#define QTWS_CONNECT_SOCKSCLIENT_H

#include "protocol/socks.h"

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>

namespace QtWs {

class ByteStream;

/*!
    \class QtWs::SocksClient
    \internal
    \brief Runs the SOCKS handshake on a stream connected to a SOCKS proxy, with the pure codecs of
    protocol/socks.h, and leaves the stream as a tunnel to the target.

    SOCKS5 (RFC 1928): the greeting offers "no authentication", plus username/password (RFC 1929)
    when credentials are known; the target's name goes to the proxy, which resolves it (as with
    socks5h:// and as browsers do: the client needs no DNS for the target). SOCKS4 carries no
    name, and Dante 1.4 does not speak SOCKS4a, so a SOCKS4 hop resolves the name here and sends
    the IPv4 address. finished() is emitted once; the stream is borrowed, never closed here.
    \since 0.2
*/
class QTWS_EXPORT SocksClient : public QObject
{
    Q_OBJECT
public:
    enum class Failure {
        None, //!< the tunnel is open
        Refused, //!< the proxy refused the request (its rules, or the target could not be reached)
        Authentication, //!< credentials were needed or rejected
        CredentialsNeeded, //!< the proxy wants a user name and password and none were known
        Protocol, //!< the peer does not speak SOCKS (or answered nonsense)
        HostNotFound, //!< SOCKS4: the target's name did not resolve here
        Closed, //!< the proxy closed the connection during the handshake
    };
    Q_ENUM(Failure)

    explicit SocksClient(QObject *parent = nullptr);
    ~SocksClient() override;

    /*! Starts the handshake on \a stream for \a host:\a port through \a hop (its type and
        credentials). */
    void start(ByteStream *stream, const ProxyCandidate &hop, const QString &host, quint16 port);

    Failure failure() const { return m_failure; }
    QString errorString() const { return m_errorString; }
    /*! "SOCKS5 tunnel to origin.test:8080 (bound 127.0.0.1:40512)", after success. */
    QString summary() const { return m_summary; }

Q_SIGNALS:
    void finished();

private:
    enum class Step { Idle, Resolving, Socks4Reply, MethodSelection, UsernamePassword, ConnectReply };

    void startSocks4(const QHostAddress &address);
    void send(const Protocol::SocksRequest &request, Step next);
    void expect(Protocol::SocksReplyParser::Kind kind, Step step, bool userPassOffered = false);
    void onReadyRead();
    void onDisconnected();
    void onReply();
    void sendConnect();
    void complete(Failure failure, const QString &message = QString());
    Failure failureFor(Protocol::SocksError error) const;

    QPointer<ByteStream> m_stream;
    ProxyCandidate m_hop;
    QString m_host;
    quint16 m_port = 0;
    Step m_step = Step::Idle;
    Protocol::SocksReplyParser m_parser {Protocol::SocksReplyParser::Kind::Socks5Reply};
    bool m_offeredCredentials = false;
    Failure m_failure = Failure::None;
    QString m_errorString;
    QString m_summary;
    bool m_finished = false;
};

} // namespace QtWs

#endif // QTWS_CONNECT_SOCKSCLIENT_H
