// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_PROXYAUTH_H
#define QTWS_PROTOCOL_PROXYAUTH_H

// HTTP proxy authentication, client side: challenge parsing (RFC 7235), the choice of a scheme,
// Basic (RFC 7617), Digest (RFC 7616), NTLMv2 (MS-NLMP) and the per-connection state that counts
// 407 rounds. Pure code: no sockets, no QObject, no timers.

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayList>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>
#include <QtCore/QString>

#include <qtws/qtws_export.h>

#include "httpmessage.h"

#include <optional>

namespace QtWs::Protocol {

/*!
    \enum QtWs::Protocol::ProxyAuthError
    \brief Why a proxy's authentication challenge could not be answered.
    \since 0.2
*/
enum class ProxyAuthError {
    NoError, //!< Nothing went wrong.
    NoChallenge, //!< A 407 without any Proxy-Authenticate field (RFC 7235 §3.2 requires one).
    MalformedChallenge, //!< A challenge does not follow RFC 7235 §2.1; the message quotes where.
    ChallengeTooLarge, //!< The challenge fields together exceed MaxChallengeBytes.
    TooManyChallenges, //!< More than MaxChallenges challenges.
    TooManyParameters, //!< A challenge with more than MaxParameters auth-params.
    DuplicateParameter, //!< An auth-param named twice in one challenge (RFC 7235 §2.1 forbids it).
    InvalidDigestChallenge, //!< A Digest challenge without realm or nonce, or with -sess and no qop.
    UnsupportedAlgorithm, //!< Digest algorithm other than MD5, MD5-sess, SHA-256, SHA-256-sess.
    UnsupportedQop, //!< Digest qop offers only auth-int (or nothing known).
    UnsupportedScheme, //!< Only schemes qtws cannot answer: Negotiate (needs GSSAPI) or unknown.
    InvalidNtlmChallenge, //!< The NTLM CHALLENGE_MESSAGE is missing or malformed (MS-NLMP §2.2.1.2).
    /*! Credentials the scheme cannot carry (':' in a Basic user-id, control characters, an empty
        user name). */
    InvalidCredentials,
    MissingCredentials, //!< The proxy wants credentials and none were supplied.
    CredentialsRejected, //!< The proxy rejected the same credentials twice (without Digest stale).
    TooManyRounds, //!< The proxy still answered 407 after the allowed number of rounds.
};

/*! A short English description of \a error. */
QTWS_EXPORT QString proxyAuthErrorString(ProxyAuthError error);

/*!
    \enum QtWs::Protocol::AuthScheme
    \brief The HTTP authentication schemes qtws recognises (scheme names compare case-insensitively,
    RFC 7235 §2.1).
    \since 0.2
*/
enum class AuthScheme {
    Unknown, //!< Any other scheme (Bearer, Kerberos, ...): never answered.
    Basic, //!< RFC 7617.
    Digest, //!< RFC 7616.
    Ntlm, //!< MS-NLMP over HTTP; connection-bound.
    Negotiate, //!< RFC 4559 (Kerberos/SPNEGO): recognised, not supported (needs GSSAPI).
};

/*! The canonical name of \a scheme ("Basic", "Digest", "NTLM", "Negotiate", "unknown"). */
QTWS_EXPORT QByteArray authSchemeName(AuthScheme scheme);

/*!
    \class QtWs::Protocol::AuthChallenge
    \brief One challenge of a Proxy-Authenticate or WWW-Authenticate field (RFC 7235 §2.1).

    Either a token68 (NTLM, Negotiate) or a list of auth-params. Parameter names are stored in
    lower case (they are case-insensitive); values are unquoted and unescaped.
    \since 0.2
    \sa parseAuthChallenges()
*/
struct QTWS_EXPORT AuthChallenge
{
    /*! One auth-param: a lower-case name and its value without quotes. */
    struct Parameter
    {
        QByteArray name;
        QByteArray value;
    };

    AuthScheme scheme = AuthScheme::Unknown;
    QByteArray schemeName; //!< As received.
    QByteArray token68; //!< The token68 form, if that is what the challenge carried.
    QList<Parameter> parameters;

    /*! True if a parameter named \a name (any case) is present. */
    bool hasParameter(QByteArrayView name) const;
    /*! The value of the parameter named \a name (any case), or an empty array. */
    QByteArray parameter(QByteArrayView name) const;
    /*! The realm parameter as text (for a credentials prompt). */
    QString realm() const { return QString::fromUtf8(parameter("realm")); }
};

/*!
    \class QtWs::Protocol::AuthChallenges
    \brief The challenges found in a response's Proxy-Authenticate (or WWW-Authenticate) fields.

    Well-formed challenges are kept even when another one is not: \c error and \c errorString
    describe the first problem met (a malformed field, a duplicated parameter), which makes the
    answer to "why was nothing usable?" precise when \c challenges ends up empty.
    \since 0.2
*/
struct QTWS_EXPORT AuthChallenges
{
    QList<AuthChallenge> challenges; //!< In the order received, across fields.
    ProxyAuthError error = ProxyAuthError::NoError; //!< The first problem met, if any.
    QString errorString;
};

/*! Limits of parseAuthChallenges(), checked before anything is buffered. */
struct QTWS_EXPORT AuthChallengeLimits
{
    /*! All challenge fields of one response together. NTLM challenges are a few hundred bytes;
        Negotiate tokens can reach a few KiB. */
    static constexpr qsizetype MaxChallengeBytes = 16 * 1024;
    /*! Challenges across all fields of one response. */
    static constexpr qsizetype MaxChallenges = 16;
    /*! auth-params in one challenge (Digest uses at most 9). */
    static constexpr qsizetype MaxParameters = 32;
};

/*!
    Parses the values of every challenge field of a response (RFC 7235 §4.1 / §4.3:
    \c{1#challenge}): several challenges per field and across fields, auth-params with tokens or
    quoted-strings (with quoted-pair escapes), token68, empty list elements, case-insensitive scheme
    and parameter names. A malformed field is dropped from the offending challenge on; a challenge
    with a duplicated or too many parameters is dropped; both are reported in the result.
*/
QTWS_EXPORT AuthChallenges parseAuthChallenges(const QByteArrayList &fieldValues);
/*! parseAuthChallenges() over every field named \a fieldName in \a headers. */
QTWS_EXPORT AuthChallenges parseAuthChallenges(
    const HttpHeaders &headers, QByteArrayView fieldName = "Proxy-Authenticate");

/*!
    \enum QtWs::Protocol::DigestAlgorithm
    \brief The Digest algorithms qtws answers (RFC 7616 §3.3); SHA-512-256 is not offered because
    QCryptographicHash has no SHA-512/256.
    \since 0.2
*/
enum class DigestAlgorithm { Md5, Md5Sess, Sha256, Sha256Sess };

/*!
    \class QtWs::Protocol::DigestChallenge
    \brief The validated parameters of one Digest challenge (RFC 7616 §3.3).
    \since 0.2
*/
struct QTWS_EXPORT DigestChallenge
{
    QByteArray realm;
    QByteArray nonce;
    QByteArray opaque; //!< Echoed unchanged when present.
    QByteArray algorithmToken; //!< The algorithm as the server spelled it; empty when absent.
    DigestAlgorithm algorithm = DigestAlgorithm::Md5; //!< MD5 when absent (RFC 7616 §3.3).
    bool qopAuth = false; //!< qop offered "auth"; false: no qop (RFC 2069 compatibility).
    bool stale = false; //!< The previous nonce expired; the credentials were right.
    bool userhash = false; //!< Send H(username ":" realm) instead of the user name (§3.4.4).
    bool utf8 = false; //!< charset=UTF-8 (RFC 7616 §4): NFC-normalise, username* if needed.

    /*!
        Validates \a challenge (a Digest challenge). On failure returns std::nullopt and sets
        \a error and \a errorString (realm or nonce missing, unknown algorithm, auth-int only).
    */
    static std::optional<DigestChallenge> fromChallenge(
        const AuthChallenge &challenge, ProxyAuthError *error, QString *errorString);
};

/*! User name and password for a proxy. For NTLM, the user may be written "DOMAIN\\user". */
struct QTWS_EXPORT ProxyCredentials
{
    QString user;
    QString password;

    bool isEmpty() const { return user.isEmpty() && password.isEmpty(); }
    friend bool operator==(const ProxyCredentials &a, const ProxyCredentials &b)
    {
        return a.user == b.user && a.password == b.password;
    }
    friend bool operator!=(const ProxyCredentials &a, const ProxyCredentials &b)
    {
        return !(a == b);
    }
};

/*! A Proxy-Authorization value, or why it could not be built. */
struct QTWS_EXPORT AuthorizationResult
{
    QByteArray value; //!< "Basic ...", "Digest ...", "NTLM ..."; empty on error.
    ProxyAuthError error = ProxyAuthError::NoError;
    QString errorString;

    bool isValid() const { return error == ProxyAuthError::NoError; }
};

/*!
    The Basic credentials for \a credentials (RFC 7617 §2): base64 of user-id ":" password in UTF-8.
    With \a utf8Charset (the challenge said charset="UTF-8", §2.1) both are NFC-normalised first.
    A user-id containing ':' or either part containing control characters is InvalidCredentials.
*/
QTWS_EXPORT AuthorizationResult basicAuthorization(
    const ProxyCredentials &credentials, bool utf8Charset);

/*! The request-specific inputs of a Digest response (RFC 7616 §3.4). */
struct QTWS_EXPORT DigestRequest
{
    QByteArray method; //!< "CONNECT", "GET", "OPTIONS".
    QByteArray uri; //!< The request-target: "host:port" (authority-form) for CONNECT.
    QByteArray cnonce; //!< Client nonce (ignored without qop); see generateDigestCnonce().
    quint32 nonceCount = 1; //!< nc: how many requests used this nonce, this one included.
};

/*!
    The Digest credentials for \a challenge (RFC 7616 §3.4): username (or userhash, or username*),
    realm, uri, algorithm (echoed when the server named one), nonce, nc, cnonce, qop=auth,
    response, opaque (echoed). Without qop, the RFC 2069 form (no nc, cnonce, qop).
*/
QTWS_EXPORT AuthorizationResult digestAuthorization(const DigestChallenge &challenge,
    const ProxyCredentials &credentials, const DigestRequest &request);
/*! 32 hex digits from QRandomGenerator::system(), a fresh cnonce. */
QTWS_EXPORT QByteArray generateDigestCnonce();

/*!
    \class QtWs::Protocol::NtlmChallenge
    \brief A parsed NTLM CHALLENGE_MESSAGE ("Type 2", MS-NLMP §2.2.1.2).
    \since 0.2
*/
struct QTWS_EXPORT NtlmChallenge
{
    quint32 flags = 0; //!< NegotiateFlags.
    QByteArray serverChallenge; //!< 8 bytes.
    QByteArray targetName; //!< Raw (UTF-16LE when NTLMSSP_NEGOTIATE_UNICODE).
    QByteArray targetInfo; //!< Raw AV_PAIR list including MsvAvEOL; empty when absent.
    std::optional<quint64> timestamp; //!< MsvAvTimestamp (FILETIME), when the server sent one.
    QByteArray message; //!< The whole message as received (the MIC covers it).
};

/*! Limits of the NTLM codec. */
struct QTWS_EXPORT NtlmLimits
{
    /*! A CHALLENGE_MESSAGE larger than this is rejected before base64 decoding; real ones are a
        few hundred bytes. */
    static constexpr qsizetype MaxMessageBytes = 4096;
    /*! AV_PAIRs in a TargetInfo (about ten are defined, MS-NLMP §2.2.2.1). */
    static constexpr qsizetype MaxAvPairs = 64;
};

/*! The NEGOTIATE_MESSAGE ("Type 1", MS-NLMP §2.2.1.1) qtws sends: Unicode, NTLM, extended session
    security, always-sign, request target; no domain or workstation. */
QTWS_EXPORT QByteArray ntlmNegotiateMessage();
/*!
    Parses a CHALLENGE_MESSAGE (the decoded token68 of "NTLM <base64>"): signature, type, the
    TargetInfo buffer inside the message and its AV_PAIR list up to MsvAvEOL. A TargetName outside
    the message is ignored (it is informational; Squid's ntlm_fake_auth sends one). On failure
    returns std::nullopt with \a errorString set (the error is InvalidNtlmChallenge).
*/
QTWS_EXPORT std::optional<NtlmChallenge> parseNtlmChallenge(
    QByteArrayView message, QString *errorString);

/*! What an AUTHENTICATE_MESSAGE needs besides the challenge. */
struct QTWS_EXPORT NtlmAuthenticateInput
{
    QString user; //!< Without domain; see splitNtlmUser().
    QString domain;
    QString password;
    QString workstation; //!< May stay empty.
    QByteArray clientChallenge; //!< 8 bytes; empty: random from QRandomGenerator::system().
    std::optional<quint64> timestamp; //!< FILETIME used when the server sent none; else now.
    QByteArray negotiateMessage; //!< The Type 1 that was sent (for the MIC); empty: ours.
};

/*!
    The AUTHENTICATE_MESSAGE ("Type 3", MS-NLMP §2.2.1.3) with an NTLMv2 response (§3.3.2). When
    the server sent a timestamp the LM response is Z(24) and a MIC is added (§3.1.5.1.2); no key
    exchange, signing or sealing (HTTP needs none). Empty if a name field would exceed 64 KiB.
*/
QTWS_EXPORT QByteArray ntlmAuthenticateMessage(
    const NtlmChallenge &challenge, const NtlmAuthenticateInput &input);
/*! Splits "DOMAIN\\user" into \a domain and \a user; other forms ("user", "user@realm") keep an
    empty domain. */
QTWS_EXPORT void splitNtlmUser(const QString &qualified, QString *domain, QString *user);
/*! NTOWFv2 (MS-NLMP §3.3.2): HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(upper(user) + domain)). */
QTWS_EXPORT QByteArray ntlmV2Hash(
    const QString &user, const QString &domain, const QString &password);
/*! LMv2 response: HMAC-MD5(key, server || client challenge) || client challenge (24 bytes). */
QTWS_EXPORT QByteArray ntlmLmV2Response(
    const QByteArray &key, const QByteArray &serverChallenge, const QByteArray &clientChallenge);
/*! NTLMv2 response: NTProofStr || temp (§3.3.2), for a TargetInfo \a avPairs and a FILETIME. */
QTWS_EXPORT QByteArray ntlmV2Response(const QByteArray &key, const QByteArray &serverChallenge,
    const QByteArray &clientChallenge, quint64 timestamp, const QByteArray &avPairs);

/*!
    \class QtWs::Protocol::AuthChoice
    \brief The challenge chosen among those a proxy offered, or why none can be answered.
    \since 0.2
*/
struct QTWS_EXPORT AuthChoice
{
    qsizetype index = -1; //!< Into AuthChallenges::challenges.
    AuthScheme scheme = AuthScheme::Unknown;
    std::optional<DigestChallenge> digest; //!< For AuthScheme::Digest.
    ProxyAuthError error = ProxyAuthError::NoError;
    QString errorString;

    bool isValid() const { return index >= 0; }
};

/*!
    Chooses the strongest challenge qtws can answer. The order, strongest first:
    \list 1
    \li Digest SHA-256 / SHA-256-sess: the password never leaves the client, modern hash,
        stateless (works across connections);
    \li Digest MD5 / MD5-sess: the same properties with a weak hash;
    \li NTLM (NTLMv2): no password on the wire either, but its hash is open to offline guessing,
        it costs an extra round trip and binds the handshake to one connection, which breaks
        behind anything that does not keep the connection;
    \li Basic: the password travels in clear text (base64), readable by anyone on the path to a
        plain-HTTP proxy.
    \endlist
    Ties go to the challenge offered first. Digest challenges that do not validate are skipped.
    Negotiate is recognised but unsupported: when only Negotiate (or unknown schemes) remain the
    choice fails with UnsupportedScheme and a message saying so.
*/
QTWS_EXPORT AuthChoice chooseAuthChallenge(const AuthChallenges &challenges);

/*!
    \class QtWs::Protocol::ProxyAuthenticator
    \brief The authentication state of one proxy connection attempt: answers each 407, counts
    rounds, and says whether to retry, prompt for credentials or fail.

    Use one object per (proxy, connection attempt). For each 407 response, call handleChallenge()
    with the method and request-target of the request that got it; the Decision says what to do:
    \list
    \li \c Retry: send the request again with "Proxy-Authorization: " + \c authorization. When
        \c connectionBound is set (NTLM), it must go on the connection that received the 407,
        after reading the 407's body, and that connection must stay open for the next answer.
    \li \c PromptForCredentials: ask the application (\c proxyAuthenticationRequired), then call
        provideCredentials() with what it gave (empty: the answer is Fail).
    \li \c Fail: end the attempt with ProxyAuthenticationFailed and \c errorString.
    \endlist

    NTLM is a connection-bound handshake (MS-NLMP §1.3.1.1): the NEGOTIATE_MESSAGE and the
    AUTHENTICATE_MESSAGE must be sent on the same connection, and the connection stays
    authenticated. If the proxy closes the connection in between, call connectionReset() before
    sending again: the handshake restarts with a NEGOTIATE_MESSAGE on the new connection.

    A round is one submission of credentials: a Basic or Digest request, or an NTLM handshake
    (NEGOTIATE + AUTHENTICATE). A Digest \c stale=true retry is a round but not a rejection. The
    outcome is Fail when the proxy keeps answering 407 after maxRounds rounds, when the same
    credentials are rejected twice (the first rejection prompts for others), when the challenge is
    missing or bogus, or when only unsupported schemes are offered.
    \since 0.2
    \sa chooseAuthChallenge()
*/
class QTWS_EXPORT ProxyAuthenticator
{
public:
    static constexpr int DefaultMaxRounds = 3;

    enum class Action { Retry, PromptForCredentials, Fail };

    /*! What to do after a 407. */
    struct Decision
    {
        Action action = Action::Fail;
        QByteArray authorization; //!< The Proxy-Authorization value, for Retry.
        bool connectionBound = false; //!< Retry on the same, kept-open connection (NTLM).
        AuthScheme scheme = AuthScheme::Unknown; //!< The scheme chosen.
        QString realm; //!< For the prompt.
        ProxyAuthError error = ProxyAuthError::NoError; //!< Why Fail, or why a prompt (rejected).
        QString errorString;
    };

    explicit ProxyAuthenticator(
        const ProxyCredentials &credentials = {}, int maxRounds = DefaultMaxRounds);

    /*! Handles a 407 \a response to a request \a method \a target (authority-form for CONNECT). */
    Decision handleChallenge(
        const HttpResponseHead &response, QByteArrayView method, QByteArrayView target);
    /*! The same with challenges parsed already. */
    Decision handleChallenge(
        const AuthChallenges &challenges, QByteArrayView method, QByteArrayView target);
    /*! After PromptForCredentials: answers the pending challenge with \a credentials. */
    Decision provideCredentials(const ProxyCredentials &credentials);
    /*!
        A Proxy-Authorization value for a further request through the same proxy without waiting
        for a 407 (Basic; Digest with the next nonce count), or empty (NTLM, nothing chosen yet).
    */
    QByteArray authorizationFor(QByteArrayView method, QByteArrayView target);
    /*! The connection to the proxy was replaced: an NTLM handshake in progress starts over. */
    void connectionReset();

    int rounds() const { return m_rounds; }
    int maxRounds() const { return m_maxRounds; }
    AuthScheme scheme() const { return m_scheme; }
    ProxyCredentials credentials() const { return m_credentials; }

private:
    enum class Step { Idle, SentNtlmNegotiate, SentCredentials, AwaitingCredentials, Failed };

    Decision answer();
    Decision answerNtlmChallenge(const AuthChallenges &challenges);
    Decision fail(ProxyAuthError error, const QString &message);
    Decision retry(const QByteArray &authorization, bool connectionBound);
    AuthorizationResult digestFor(QByteArrayView method, QByteArrayView target);

    ProxyCredentials m_credentials;
    QList<ProxyCredentials> m_rejected;
    AuthChallenge m_challenge;
    std::optional<DigestChallenge> m_digest;
    QByteArray m_method;
    QByteArray m_target;
    QByteArray m_nonce; // the nonce m_nonceCount counts for
    quint32 m_nonceCount = 0;
    QByteArray m_ntlmNegotiate;
    Decision m_failure;
    AuthScheme m_scheme = AuthScheme::Unknown;
    Step m_step = Step::Idle;
    int m_rounds = 0;
    int m_maxRounds = DefaultMaxRounds;
};

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_PROXYAUTH_H
