// SPDX-License-Identifier: LGPL-3.0-or-later
#include "socksclient.h"

#include "common/logging.h"
#include "connectmemory.h"
#include "transport/bytestream.h"

#include <QtNetwork/QHostInfo>

namespace QtWs {

using namespace Protocol;

SocksClient::SocksClient(QObject *parent)
    : QObject(parent)
{ }

SocksClient::~SocksClient()
{
    if (m_stream)
        m_stream->disconnect(this);
}

void SocksClient::start(
    ByteStream *stream, const ProxyCandidate &hop, const QString &host, quint16 port)
{
    m_stream = stream;
    m_hop = hop;
    m_host = host;
    m_port = port;
    connect(stream, &ByteStream::readyRead, this, &SocksClient::onReadyRead);
    connect(stream, &ByteStream::disconnected, this, &SocksClient::onDisconnected);
    if (hop.type() == ProxyCandidate::Type::Socks4) {
        const QHostAddress literal(host);
        if (!literal.isNull()) {
            startSocks4(literal);
            return;
        }
        // SOCKS4 carries no name (and Dante does not speak SOCKS4a): resolve it here.
        m_step = Step::Resolving;
        QHostInfo::lookupHost(host, this, [this](const QHostInfo &info) {
            if (m_finished)
                return;
            for (const QHostAddress &a : info.addresses()) {
                if (a.protocol() == QAbstractSocket::IPv4Protocol) {
                    startSocks4(a);
                    return;
                }
            }
            complete(Failure::HostNotFound,
                QStringLiteral("%1 has no IPv4 address here for the SOCKS4 proxy %2 (SOCKS4 "
                               "carries only IPv4 addresses)")
                    .arg(m_host, m_hop.toPacString()));
        });
        return;
    }
    std::optional<ConnectMemory::Credentials> credentials;
    if (hop.hasCredentials())
        credentials = ConnectMemory::Credentials {hop.user(), hop.password()};
    else
        credentials = ConnectMemory::credentials(hop);
    m_offeredCredentials = credentials.has_value();
    if (credentials)
        m_hop.setCredentials(credentials->user, credentials->password);
    m_stream->write(socks5Greeting(m_offeredCredentials));
    m_stream->flush();
    expect(SocksReplyParser::Kind::Socks5MethodSelection, Step::MethodSelection,
        m_offeredCredentials);
}

void SocksClient::startSocks4(const QHostAddress &address)
{
    const SocksRequest request = socks4ConnectRequest(address, m_port, m_hop.user().toUtf8());
    if (!request.isValid()) {
        complete(Failure::Protocol, request.errorString);
        return;
    }
    m_summary = QStringLiteral("SOCKS4 tunnel to %1:%2 (%3 resolved here)")
                    .arg(address.toString())
                    .arg(m_port)
                    .arg(m_host);
    send(request, Step::Socks4Reply);
}

void SocksClient::send(const SocksRequest &request, Step next)
{
    if (!request.isValid()) {
        complete(Failure::Protocol, request.errorString);
        return;
    }
    m_stream->write(request.bytes);
    m_stream->flush();
    switch (next) {
    case Step::Socks4Reply:
        expect(SocksReplyParser::Kind::Socks4Reply, next);
        break;
    case Step::UsernamePassword:
        expect(SocksReplyParser::Kind::Socks5UsernamePasswordReply, next);
        break;
    case Step::ConnectReply:
        expect(SocksReplyParser::Kind::Socks5Reply, next);
        break;
    default:
        break;
    }
}

void SocksClient::expect(SocksReplyParser::Kind kind, Step step, bool userPassOffered)
{
    m_step = step;
    m_parser = SocksReplyParser(kind, userPassOffered);
    if (m_stream && m_stream->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &SocksClient::onReadyRead, Qt::QueuedConnection);
}

void SocksClient::onReadyRead()
{
    if (m_finished || !m_stream || m_step == Step::Resolving || m_step == Step::Idle)
        return;
    // Read only as much as the reply needs: bytes after it belong to the tunnel's next layer.
    while (!m_finished && m_stream->bytesAvailable() > 0
        && m_parser.status() == SocksReplyParser::Status::NeedMore) {
        char byte;
        if (m_stream->read(&byte, 1) != 1)
            break;
        m_parser.feed(QByteArrayView(&byte, 1));
    }
    if (m_parser.status() != SocksReplyParser::Status::NeedMore)
        onReply();
}

void SocksClient::onReply()
{
    if (m_parser.status() == SocksReplyParser::Status::Error) {
        complete(failureFor(m_parser.error()),
            QStringLiteral("SOCKS proxy %1: %2").arg(m_hop.toPacString(), m_parser.errorString()));
        return;
    }
    switch (m_step) {
    case Step::MethodSelection:
        if (m_parser.method() == Socks5Method::UsernamePassword) {
            send(socks5UsernamePasswordRequest(m_hop.user(), m_hop.password()),
                Step::UsernamePassword);
            return;
        }
        sendConnect();
        return;
    case Step::UsernamePassword:
        sendConnect();
        return;
    case Step::Socks4Reply:
    case Step::ConnectReply:
        if (m_summary.isEmpty())
            m_summary = QStringLiteral("SOCKS5 tunnel to %1:%2 (bound %3)")
                            .arg(m_host)
                            .arg(m_port)
                            .arg(m_parser.boundAddress().toString());
        if (m_offeredCredentials && m_hop.hasCredentials())
            ConnectMemory::storeCredentials(m_hop, {m_hop.user(), m_hop.password()});
        complete(Failure::None);
        return;
    case Step::Idle:
    case Step::Resolving:
        break;
    }
}

void SocksClient::sendConnect()
{
    // The name goes to the proxy (SOCKS5h): no DNS query for the target leaves this machine.
    send(socks5ConnectRequest(m_host, m_port), Step::ConnectReply);
}

void SocksClient::onDisconnected()
{
    if (m_finished)
        return;
    onReadyRead();
    if (m_finished)
        return;
    complete(Failure::Closed,
        QStringLiteral("the SOCKS proxy %1 closed the connection during the handshake")
            .arg(m_hop.toPacString()));
}

SocksClient::Failure SocksClient::failureFor(SocksError error) const
{
    switch (error) {
    case SocksError::NoAcceptableMethod:
        return m_offeredCredentials ? Failure::Authentication : Failure::CredentialsNeeded;
    case SocksError::AuthenticationFailed:
        return Failure::Authentication;
    case SocksError::InvalidVersion:
    case SocksError::UnexpectedMethod:
    case SocksError::UnknownAddressType:
    case SocksError::UnknownReplyCode:
    case SocksError::InvalidAddress:
    case SocksError::InvalidHostName:
    case SocksError::InvalidUserId:
    case SocksError::InvalidCredentials:
        return Failure::Protocol;
    default:
        return Failure::Refused;
    }
}

void SocksClient::complete(Failure failure, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_failure = failure;
    m_errorString = message;
    if (m_stream)
        m_stream->disconnect(this);
    if (failure == Failure::Authentication)
        ConnectMemory::forgetCredentials(m_hop);
    qCDebug(lcQtwsTransport, "[%p] SOCKS %s", static_cast<void *>(this),
        failure == Failure::None ? qPrintable(m_summary) : qPrintable(message));
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT finished(); }, Qt::QueuedConnection);
}

} // namespace QtWs
