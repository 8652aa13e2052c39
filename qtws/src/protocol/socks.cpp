// SPDX-License-Identifier: LGPL-3.0-or-later
#include "socks.h"

#include "httpmessage.h"

#include <QtCore/QUrl>
#include <QtCore/QtEndian>

namespace QtWs::Protocol {

namespace {

constexpr char Socks4Version = 0x04;
constexpr char Socks5Version = 0x05;
constexpr char ConnectCommand = 0x01;
constexpr uchar Socks4Granted = 0x5a;
constexpr char UsernamePasswordVersion = 0x01; // RFC 1929 §2
// checkCode() maps REP 1..8 onto consecutive enum values.
static_assert(int(SocksError::AddressTypeNotSupported) - int(SocksError::GeneralFailure) == 7);

QString hexBytes(QByteArrayView bytes, qsizetype max = 16)
{
    QString out;
    const qsizetype n = qMin(bytes.size(), max);
    for (qsizetype i = 0; i < n; ++i) {
        if (i)
            out += QLatin1Char(' ');
        out += QString::number(uchar(bytes[i]), 16).rightJustified(2, QLatin1Char('0'));
    }
    if (bytes.size() > max)
        out += QLatin1String(" ...");
    return out;
}

SocksRequest requestError(SocksError error, const QString &message)
{
    SocksRequest r;
    r.error = error;
    r.errorString = message;
    return r;
}

void putPort(QByteArray &out, quint16 port)
{
    out += char(port >> 8);
    out += char(port & 0xff);
}

// An IP literal in \a host (with or without IPv6 brackets), or a null address.
QHostAddress ipLiteral(const QString &host)
{
    QString h = host;
    if (h.startsWith(QLatin1Char('[')) && h.endsWith(QLatin1Char(']')))
        h = h.mid(1, h.size() - 2);
    QHostAddress address;
    if (!address.setAddress(h))
        return {};
    return address;
}

// The ACE form of \a host for the wire, or an empty array with \a error set.
QByteArray aceHostName(const QString &host, QString *error)
{
    if (host.isEmpty()) {
        *error = QStringLiteral("the host name is empty");
        return {};
    }
    const QByteArray ace = QUrl::toAce(host);
    bool printable = !ace.isEmpty();
    for (const char c : ace)
        printable = printable && uchar(c) > 0x20 && uchar(c) < 0x7f;
    if (!printable) {
        *error = QStringLiteral("%1 is not a valid host name").arg(quoteForMessage(host.toUtf8()));
        return {};
    }
    if (ace.size() > SocksLimits::MaxHostNameBytes) {
        *error = QStringLiteral("the host name is %1 bytes long, more than the %2 SOCKS carries")
                     .arg(ace.size())
                     .arg(SocksLimits::MaxHostNameBytes);
        return {};
    }
    return ace;
}

bool checkUserId(QByteArrayView userId, QString *error)
{
    if (userId.size() > SocksLimits::MaxSocks4UserIdBytes) {
        *error = QStringLiteral("the SOCKS4 user id is %1 bytes long, more than %2")
                     .arg(userId.size())
                     .arg(SocksLimits::MaxSocks4UserIdBytes);
        return false;
    }
    if (userId.contains('\0')) {
        *error = QStringLiteral("the SOCKS4 user id contains a NUL byte");
        return false;
    }
    return true;
}

void putIpv4(QByteArray &out, quint32 ipv4)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out += char((ipv4 >> shift) & 0xff);
}

QByteArray socks4Head(quint16 port, quint32 ipv4)
{
    QByteArray out;
    out += Socks4Version;
    out += ConnectCommand;
    putPort(out, port);
    putIpv4(out, ipv4);
    return out;
}

} // namespace

QString socksErrorString(SocksError error)
{
    switch (error) {
    case SocksError::NoError:
        return QStringLiteral("no error");
    case SocksError::InvalidAddress:
        return QStringLiteral("invalid address for this SOCKS version");
    case SocksError::InvalidHostName:
        return QStringLiteral("invalid host name");
    case SocksError::InvalidUserId:
        return QStringLiteral("invalid SOCKS4 user id");
    case SocksError::InvalidCredentials:
        return QStringLiteral("user name or password not 1 to 255 bytes long");
    case SocksError::InvalidVersion:
        return QStringLiteral("not a SOCKS reply");
    case SocksError::NoAcceptableMethod:
        return QStringLiteral("no acceptable authentication method");
    case SocksError::UnexpectedMethod:
        return QStringLiteral("authentication method not offered");
    case SocksError::AuthenticationFailed:
        return QStringLiteral("user name or password rejected");
    case SocksError::UnknownAddressType:
        return QStringLiteral("unknown address type");
    case SocksError::Socks4Rejected:
        return QStringLiteral("request rejected or failed");
    case SocksError::Socks4IdentdUnreachable:
        return QStringLiteral("the proxy cannot reach the client's identd");
    case SocksError::Socks4IdentdMismatch:
        return QStringLiteral("identd reported a different user id");
    case SocksError::GeneralFailure:
        return QStringLiteral("general SOCKS server failure");
    case SocksError::NotAllowedByRuleset:
        return QStringLiteral("connection not allowed by ruleset");
    case SocksError::NetworkUnreachable:
        return QStringLiteral("network unreachable");
    case SocksError::HostUnreachable:
        return QStringLiteral("host unreachable");
    case SocksError::ConnectionRefused:
        return QStringLiteral("connection refused");
    case SocksError::TtlExpired:
        return QStringLiteral("TTL expired");
    case SocksError::CommandNotSupported:
        return QStringLiteral("command not supported");
    case SocksError::AddressTypeNotSupported:
        return QStringLiteral("address type not supported");
    case SocksError::UnknownReplyCode:
        return QStringLiteral("unknown reply code");
    }
    return QStringLiteral("unknown error");
}

QString SocksAddress::toString() const
{
    switch (type) {
    case Type::IPv4:
        return address.toString() + QLatin1Char(':') + QString::number(port);
    case Type::IPv6:
        return QLatin1Char('[') + address.toString() + QLatin1String("]:") + QString::number(port);
    case Type::DomainName:
        break;
    }
    return QString::fromLatin1(hostName) + QLatin1Char(':') + QString::number(port);
}

// ---------------------------------------------------------------------------------------------
// Requests

SocksRequest socks4ConnectRequest(const QHostAddress &address, quint16 port, QByteArrayView userId)
{
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    if (!isIpv4)
        return requestError(SocksError::InvalidAddress,
            QStringLiteral("SOCKS4 carries IPv4 addresses only, not %1: resolve to an IPv4 "
                           "address or use SOCKS5")
                .arg(address.isNull() ? QStringLiteral("a null address") : address.toString()));
    QString message;
    if (!checkUserId(userId, &message))
        return requestError(SocksError::InvalidUserId, message);
    SocksRequest r;
    r.bytes = socks4Head(port, ipv4);
    r.bytes += userId;
    r.bytes += '\0';
    return r;
}

SocksRequest socks4aConnectRequest(const QString &host, quint16 port, QByteArrayView userId)
{
    const QHostAddress literal = ipLiteral(host);
    if (!literal.isNull())
        return socks4ConnectRequest(literal, port, userId);
    QString message;
    if (!checkUserId(userId, &message))
        return requestError(SocksError::InvalidUserId, message);
    const QByteArray name = aceHostName(host, &message);
    if (name.isEmpty())
        return requestError(SocksError::InvalidHostName, message);
    // SOCKS4a: DSTIP 0.0.0.x with x != 0 says "the name follows the user id".
    SocksRequest r;
    r.bytes = socks4Head(port, 1);
    r.bytes += userId;
    r.bytes += '\0';
    r.bytes += name;
    r.bytes += '\0';
    return r;
}

QByteArray socks5Greeting(bool offerUsernamePassword)
{
    QByteArray out;
    out += Socks5Version;
    out += char(offerUsernamePassword ? 2 : 1);
    out += char(Socks5Method::NoAuthentication);
    if (offerUsernamePassword)
        out += char(Socks5Method::UsernamePassword);
    return out;
}

SocksRequest socks5UsernamePasswordRequest(const QString &user, const QString &password)
{
    const QByteArray u = user.toUtf8();
    const QByteArray p = password.toUtf8();
    // RFC 1929 §2: ULEN and PLEN are 1 to 255.
    if (u.isEmpty() || u.size() > SocksLimits::MaxCredentialBytes || p.isEmpty()
        || p.size() > SocksLimits::MaxCredentialBytes)
        return requestError(SocksError::InvalidCredentials,
            QStringLiteral("SOCKS5 user name and password must each be 1 to %1 bytes (RFC 1929); "
                           "they are %2 and %3 bytes")
                .arg(SocksLimits::MaxCredentialBytes)
                .arg(u.size())
                .arg(p.size()));
    SocksRequest r;
    r.bytes += UsernamePasswordVersion;
    r.bytes += char(u.size());
    r.bytes += u;
    r.bytes += char(p.size());
    r.bytes += p;
    return r;
}

SocksRequest socks5ConnectRequest(const QHostAddress &address, quint16 port)
{
    SocksRequest r;
    r.bytes = QByteArray("\x05\x01\x00", 3);
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    if (isIpv4) {
        r.bytes += char(SocksAddress::Type::IPv4);
        putIpv4(r.bytes, ipv4);
    } else if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        r.bytes += char(SocksAddress::Type::IPv6);
        const Q_IPV6ADDR ipv6 = address.toIPv6Address();
        r.bytes += QByteArray(reinterpret_cast<const char *>(ipv6.c), 16);
    } else {
        return requestError(SocksError::InvalidAddress, QStringLiteral("no address to CONNECT to"));
    }
    putPort(r.bytes, port);
    return r;
}

SocksRequest socks5ConnectRequest(const QString &host, quint16 port)
{
    const QHostAddress literal = ipLiteral(host);
    if (!literal.isNull())
        return socks5ConnectRequest(literal, port);
    QString message;
    const QByteArray name = aceHostName(host, &message);
    if (name.isEmpty())
        return requestError(SocksError::InvalidHostName, message);
    SocksRequest r;
    r.bytes = QByteArray("\x05\x01\x00", 3);
    r.bytes += char(SocksAddress::Type::DomainName);
    r.bytes += char(name.size());
    r.bytes += name;
    putPort(r.bytes, port);
    return r;
}

// ---------------------------------------------------------------------------------------------
// SocksReplyParser

SocksReplyParser::SocksReplyParser(Kind kind, bool usernamePasswordOffered)
    : m_kind(kind)
    , m_usernamePasswordOffered(usernamePasswordOffered)
{ }

void SocksReplyParser::reset()
{
    m_status = Status::NeedMore;
    m_error = SocksError::NoError;
    m_errorString.clear();
    m_buffer.clear();
    m_bound = {};
}

qsizetype SocksReplyParser::bytesNeeded() const
{
    switch (m_kind) {
    case Kind::Socks4Reply:
        return 8;
    case Kind::Socks5MethodSelection:
    case Kind::Socks5UsernamePasswordReply:
        return 2;
    case Kind::Socks5Reply:
        break;
    }
    if (m_buffer.size() < 4)
        return 4;
    switch (SocksAddress::Type(m_buffer.at(3))) {
    case SocksAddress::Type::IPv4:
        return 4 + 4 + 2;
    case SocksAddress::Type::IPv6:
        return 4 + 16 + 2;
    case SocksAddress::Type::DomainName:
        return m_buffer.size() < 5 ? 5 : 5 + uchar(m_buffer.at(4)) + 2;
    }
    return 4; // unknown ATYP: check() reports it
}

SocksReplyParser::Result SocksReplyParser::feed(QByteArrayView data)
{
    if (m_status != Status::NeedMore)
        return {m_status, 0};
    qsizetype consumed = 0;
    while (consumed < data.size()) {
        // Take no more than the reply needs so far (what follows belongs to the next layer), and
        // stop at the version, code and address type bytes so that an error consumes the same
        // bytes however the input is split.
        qsizetype stop = bytesNeeded();
        for (const qsizetype checkpoint : {1, 2, 4}) {
            if (m_buffer.size() < checkpoint && checkpoint < stop) {
                stop = checkpoint;
                break;
            }
        }
        const qsizetype take = qMin(stop - m_buffer.size(), data.size() - consumed);
        m_buffer += data.sliced(consumed, take);
        consumed += take;
        if (!check(data.sliced(consumed)))
            return {Status::Error, consumed};
        if (m_buffer.size() == bytesNeeded()) {
            finish();
            return {m_status, consumed};
        }
    }
    return {Status::NeedMore, consumed};
}

bool SocksReplyParser::check(QByteArrayView rest)
{
    if (!checkVersion(rest))
        return false;
    if (m_buffer.size() >= 2 && !checkCode())
        return false;
    if (m_kind == Kind::Socks5Reply && m_buffer.size() >= 4) {
        const uchar atyp = uchar(m_buffer.at(3));
        if (atyp != 0x01 && atyp != 0x03 && atyp != 0x04)
            return setError(SocksError::UnknownAddressType,
                QStringLiteral("the SOCKS5 reply has the unknown address type %1 (reply %2)")
                    .arg(atyp)
                    .arg(hexBytes(m_buffer)));
    }
    return true;
}

bool SocksReplyParser::checkVersion(QByteArrayView rest)
{
    const uchar v = uchar(m_buffer.at(0));
    const char *protocol = "SOCKS5";
    bool ok = v == 0x05;
    if (m_kind == Kind::Socks4Reply) {
        // The SOCKS4 reply version is 0; a few servers put 4 there.
        protocol = "SOCKS4";
        ok = v == 0x00 || v == 0x04;
    } else if (m_kind == Kind::Socks5UsernamePasswordReply) {
        // RFC 1929 says 1; some servers echo the SOCKS version 5. The status byte is what counts.
        protocol = "RFC 1929";
        ok = v == 0x01 || v == 0x05;
    }
    if (ok)
        return true;
    const QByteArray sent = m_buffer + rest.first(qMin<qsizetype>(rest.size(), 16)).toByteArray();
    QString message = QStringLiteral("expected a %1 reply, the proxy sent %2 (%3)")
                          .arg(QLatin1String(protocol), hexBytes(sent), quoteForMessage(sent, 16));
    if (sent.startsWith("HTTP/"))
        message += QStringLiteral(": it speaks HTTP, not SOCKS");
    else if (sent.startsWith("H"))
        message += QStringLiteral(": it may be an HTTP proxy");
    return setError(SocksError::InvalidVersion, message);
}

bool SocksReplyParser::checkCode()
{
    const uchar code = uchar(m_buffer.at(1));
    const QString reply = hexBytes(m_buffer);
    switch (m_kind) {
    case Kind::Socks4Reply: {
        if (code == Socks4Granted)
            return true;
        const SocksError e = code == 0x5b ? SocksError::Socks4Rejected
            : code == 0x5c                ? SocksError::Socks4IdentdUnreachable
            : code == 0x5d                ? SocksError::Socks4IdentdMismatch
                                          : SocksError::UnknownReplyCode;
        return setError(e,
            QStringLiteral("the SOCKS4 proxy refused the CONNECT: %1 (code 0x%2, reply %3)")
                .arg(socksErrorString(e), QString::number(code, 16), reply));
    }
    case Kind::Socks5MethodSelection:
        if (code == uchar(Socks5Method::NoAcceptableMethods))
            return setError(SocksError::NoAcceptableMethod,
                QStringLiteral("the SOCKS5 proxy accepts none of the offered authentication "
                               "methods (%1; reply %2)")
                    .arg(m_usernamePasswordOffered
                            ? QStringLiteral("no authentication, username/password")
                            : QStringLiteral("no authentication: it may need a user name and "
                                             "password"),
                        reply));
        if (code == uchar(Socks5Method::NoAuthentication)
            || (m_usernamePasswordOffered && code == uchar(Socks5Method::UsernamePassword)))
            return true;
        return setError(SocksError::UnexpectedMethod,
            QStringLiteral("the SOCKS5 proxy chose the authentication method 0x%1, which was not "
                           "offered (reply %2)")
                .arg(QString::number(code, 16), reply));
    case Kind::Socks5UsernamePasswordReply:
        if (code == 0)
            return true;
        return setError(SocksError::AuthenticationFailed,
            QStringLiteral("the SOCKS5 proxy rejected the user name or password (status 0x%1, "
                           "reply %2)")
                .arg(QString::number(code, 16), reply));
    case Kind::Socks5Reply:
        break;
    }
    if (code == 0)
        return true;
    const SocksError e = code <= 0x08 ? SocksError(int(SocksError::GeneralFailure) + code - 1)
                                      : SocksError::UnknownReplyCode;
    return setError(e,
        QStringLiteral("the SOCKS5 proxy refused the CONNECT: %1 (REP 0x%2, reply %3)")
            .arg(socksErrorString(e), QString::number(code, 16), reply));
}

void SocksReplyParser::finish()
{
    m_status = Status::Done;
    if (m_kind == Kind::Socks4Reply) {
        m_bound.type = SocksAddress::Type::IPv4;
        m_bound.port = qFromBigEndian<quint16>(m_buffer.constData() + 2);
        m_bound.address = QHostAddress(qFromBigEndian<quint32>(m_buffer.constData() + 4));
        return;
    }
    if (m_kind != Kind::Socks5Reply)
        return;
    const char *addr = m_buffer.constData() + 4;
    m_bound.type = SocksAddress::Type(m_buffer.at(3));
    m_bound.port = qFromBigEndian<quint16>(m_buffer.constData() + m_buffer.size() - 2);
    switch (m_bound.type) {
    case SocksAddress::Type::IPv4:
        m_bound.address = QHostAddress(qFromBigEndian<quint32>(addr));
        break;
    case SocksAddress::Type::IPv6:
        m_bound.address = QHostAddress(reinterpret_cast<const quint8 *>(addr));
        break;
    case SocksAddress::Type::DomainName:
        m_bound.hostName = QByteArray(addr + 1, uchar(addr[0]));
        break;
    }
}

bool SocksReplyParser::setError(SocksError error, const QString &message)
{
    m_status = Status::Error;
    m_error = error;
    m_errorString = message;
    return false;
}

} // namespace QtWs::Protocol
