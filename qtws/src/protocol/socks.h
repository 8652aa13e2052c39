// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_SOCKS_H
#define QTWS_PROTOCOL_SOCKS_H

// SOCKS client codecs: SOCKS4 / SOCKS4a CONNECT, SOCKS5 (RFC 1928) with username/password
// (RFC 1929). Request builders and incremental reply parsers; no sockets, no QObject, no timers.

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>
#include <QtNetwork/QHostAddress>

#include <qtws/qtws_export.h>

namespace QtWs::Protocol {

/*!
    \enum QtWs::Protocol::SocksError
    \brief Why a SOCKS request could not be built, or what the proxy's reply said.

    Every refusal code of SOCKS4 and every REP code of RFC 1928 §6 has its own value, so that the
    planner can tell "the proxy's rules forbid it" from "the destination refused".
    \since 0.2
*/
enum class SocksError {
    NoError, //!< Nothing went wrong.
    // Building requests.
    InvalidAddress, //!< Not an IPv4 address for SOCKS4, or a null address.
    InvalidHostName, //!< Empty, longer than MaxHostNameBytes, or not a valid (IDNA) host name.
    InvalidUserId, //!< A SOCKS4 user id with a NUL byte or longer than MaxSocks4UserIdBytes.
    InvalidCredentials, //!< RFC 1929 user name or password not 1 to 255 bytes long.
    // Parsing replies.
    InvalidVersion, //!< The reply's version byte is wrong: the peer does not speak this protocol.
    NoAcceptableMethod, //!< SOCKS5 method 0xFF: none of the offered methods is acceptable.
    UnexpectedMethod, //!< SOCKS5 method the client did not offer.
    AuthenticationFailed, //!< RFC 1929 status other than 0: user name or password rejected.
    UnknownAddressType, //!< SOCKS5 reply with an ATYP other than 1, 3 or 4.
    // SOCKS4 reply codes (CD).
    Socks4Rejected, //!< 0x5B: request rejected or failed.
    Socks4IdentdUnreachable, //!< 0x5C: the proxy cannot reach the client's identd.
    Socks4IdentdMismatch, //!< 0x5D: identd reports a user id other than the one sent.
    // SOCKS5 reply codes (REP, RFC 1928 §6).
    GeneralFailure, //!< 0x01: general SOCKS server failure.
    NotAllowedByRuleset, //!< 0x02: connection not allowed by ruleset.
    NetworkUnreachable, //!< 0x03: network unreachable.
    HostUnreachable, //!< 0x04: host unreachable.
    ConnectionRefused, //!< 0x05: connection refused by the destination.
    TtlExpired, //!< 0x06: TTL expired.
    CommandNotSupported, //!< 0x07: command not supported.
    AddressTypeNotSupported, //!< 0x08: address type not supported.
    UnknownReplyCode, //!< Any other SOCKS4 or SOCKS5 reply code.
};

/*! A short English description of \a error. */
QTWS_EXPORT QString socksErrorString(SocksError error);

/*! Limits of the SOCKS codecs. */
struct QTWS_EXPORT SocksLimits
{
    /*! The longest host name a SOCKS5 request (one length byte, RFC 1928 §5) or a SOCKS4a request
        carries. */
    static constexpr qsizetype MaxHostNameBytes = 255;
    /*! The longest SOCKS4 user id qtws sends (the protocol has no limit; servers do). */
    static constexpr qsizetype MaxSocks4UserIdBytes = 255;
    /*! RFC 1929 §2: user name and password are 1 to 255 bytes. */
    static constexpr qsizetype MaxCredentialBytes = 255;
    /*! The longest reply: a SOCKS5 reply with a 255-byte BND.ADDR name (4 + 1 + 255 + 2). */
    static constexpr qsizetype MaxReplyBytes = 262;
};

/*!
    \class QtWs::Protocol::SocksAddress
    \brief An address in a SOCKS request or reply: IPv4, IPv6 or a host name, and a port.
    \since 0.2
*/
struct QTWS_EXPORT SocksAddress
{
    /*! The SOCKS5 ATYP values (RFC 1928 §4). */
    enum class Type : quint8 { IPv4 = 0x01, DomainName = 0x03, IPv6 = 0x04 };

    Type type = Type::IPv4;
    QHostAddress address; //!< For IPv4 and IPv6.
    QByteArray hostName; //!< For DomainName: ASCII (ACE) as on the wire.
    quint16 port = 0;

    /*! "192.0.2.1:443", "[2001:db8::1]:443" or "example.org:443". */
    QString toString() const;
};

/*! A request ready to write, or why it could not be built. */
struct QTWS_EXPORT SocksRequest
{
    QByteArray bytes;
    SocksError error = SocksError::NoError;
    QString errorString;

    bool isValid() const { return error == SocksError::NoError; }
};

/*!
    SOCKS4 CONNECT to an IPv4 \a address (the caller resolves names: SOCKS4 carries no name).
    Dante 1.4 speaks SOCKS4 but not SOCKS4a (a 4a request makes it connect to 0.0.0.1), so
    against Dante resolve locally and use this, or use SOCKS5 with a domain name.
*/
QTWS_EXPORT SocksRequest socks4ConnectRequest(
    const QHostAddress &address, quint16 port, QByteArrayView userId = {});
/*! SOCKS4a CONNECT: the host name goes to the proxy, which resolves it (DSTIP 0.0.0.1). An IP
    literal \a host is sent as a SOCKS4 request. */
QTWS_EXPORT SocksRequest socks4aConnectRequest(
    const QString &host, quint16 port, QByteArrayView userId = {});

/*! SOCKS5 authentication methods (RFC 1928 §3). */
enum class Socks5Method : quint8 {
    NoAuthentication = 0x00,
    Gssapi = 0x01,
    UsernamePassword = 0x02,
    NoAcceptableMethods = 0xff,
};

/*! The SOCKS5 greeting: offers "no authentication", and also username/password (RFC 1929) when
    \a offerUsernamePassword. */
QTWS_EXPORT QByteArray socks5Greeting(bool offerUsernamePassword);
/*! The RFC 1929 username/password request (UTF-8); each must be 1 to 255 bytes. */
QTWS_EXPORT SocksRequest socks5UsernamePasswordRequest(
    const QString &user, const QString &password);
/*! SOCKS5 CONNECT to an IPv4 or IPv6 \a address (resolved by the client). */
QTWS_EXPORT SocksRequest socks5ConnectRequest(const QHostAddress &address, quint16 port);
/*! SOCKS5 CONNECT to \a host: an IP literal goes as an address, a name goes to the proxy
    (SOCKS5h: ACE-encoded, at most 255 bytes). */
QTWS_EXPORT SocksRequest socks5ConnectRequest(const QString &host, quint16 port);

/*!
    \class QtWs::Protocol::SocksReplyParser
    \brief Incremental parser for one SOCKS reply: SOCKS4, SOCKS5 method selection, RFC 1929
    status, or SOCKS5 CONNECT reply.

    feed() takes exactly the reply's bytes and says how many it consumed: whatever follows a
    complete reply belongs to the tunnel. The bytes buffered never exceed MaxReplyBytes. Refusals
    are reported as soon as the code byte arrives (a proxy may close right after it), with a
    message quoting what the proxy sent.

    \code
    SocksReplyParser parser(SocksReplyParser::Kind::Socks5Reply);
    const auto r = parser.feed(bytes);
    if (r.status == SocksReplyParser::Status::Done)
        tunnelData = bytes.sliced(r.consumed);
    \endcode
    \since 0.2
*/
class QTWS_EXPORT SocksReplyParser
{
public:
    enum class Kind {
        Socks4Reply, //!< 8 bytes: VN, CD, DSTPORT, DSTIP.
        Socks5MethodSelection, //!< 2 bytes: VER 5, METHOD.
        Socks5UsernamePasswordReply, //!< 2 bytes: VER 1, STATUS (RFC 1929 §2).
        Socks5Reply, //!< VER 5, REP, RSV, ATYP, BND.ADDR, BND.PORT (RFC 1928 §6).
    };
    enum class Status { NeedMore, Done, Error };

    /*! What feed() did: its status and how many bytes of its input belong to the reply. */
    struct Result
    {
        Status status = Status::NeedMore;
        qsizetype consumed = 0;
    };

    /*! A parser for \a kind. For Socks5MethodSelection, \a usernamePasswordOffered says whether
        the greeting offered RFC 1929 (otherwise only "no authentication" is acceptable). */
    explicit SocksReplyParser(Kind kind, bool usernamePasswordOffered = false);

    /*! Parses \a data; after Done or Error, consumes nothing until reset(). */
    Result feed(QByteArrayView data);
    /*! Starts over for another reply of the same kind. */
    void reset();

    Kind kind() const { return m_kind; }
    Status status() const { return m_status; }
    SocksError error() const { return m_error; }
    QString errorString() const { return m_errorString; }
    /*! The reply code: CD (SOCKS4), REP (SOCKS5), STATUS (RFC 1929), METHOD (selection). */
    quint8 replyCode() const { return m_buffer.size() > 1 ? quint8(m_buffer.at(1)) : 0; }
    /*! The method the proxy chose (Socks5MethodSelection, after Done). */
    Socks5Method method() const { return Socks5Method(replyCode()); }
    /*! BND.ADDR and BND.PORT (Socks5Reply), DSTIP and DSTPORT (Socks4Reply), after Done. */
    SocksAddress boundAddress() const { return m_bound; }
    /*! The reply bytes received so far. */
    QByteArray received() const { return m_buffer; }

private:
    qsizetype bytesNeeded() const;
    bool check(QByteArrayView rest);
    bool checkVersion(QByteArrayView rest);
    bool checkCode();
    void finish();
    bool setError(SocksError error, const QString &message);

    Kind m_kind;
    bool m_usernamePasswordOffered;
    Status m_status = Status::NeedMore;
    SocksError m_error = SocksError::NoError;
    QString m_errorString;
    QByteArray m_buffer;
    SocksAddress m_bound;
};

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_SOCKS_H
