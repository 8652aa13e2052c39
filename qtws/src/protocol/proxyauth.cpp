// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyauth.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QMessageAuthenticationCode>
#include <QtCore/QRandomGenerator>
#include <QtCore/QtEndian>

namespace QtWs::Protocol {

namespace {

// Scheme and parameter names are tokens (ASCII): Qt's case-insensitive comparison is enough.
bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b) noexcept
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

bool isOws(char c) noexcept
{
    return c == ' ' || c == '\t';
}

// RFC 7235 §2.1: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool isToken68Char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

QString quoted(QByteArrayView s)
{
    return QLatin1Char('"') + quoteForMessage(s) + QLatin1Char('"');
}

AuthScheme schemeFromName(QByteArrayView name) noexcept
{
    if (equalsIgnoreCase(name, "Basic"))
        return AuthScheme::Basic;
    if (equalsIgnoreCase(name, "Digest"))
        return AuthScheme::Digest;
    if (equalsIgnoreCase(name, "NTLM"))
        return AuthScheme::Ntlm;
    if (equalsIgnoreCase(name, "Negotiate"))
        return AuthScheme::Negotiate;
    return AuthScheme::Unknown;
}

void noteError(AuthChallenges *out, ProxyAuthError error, const QString &message)
{
    if (out->error != ProxyAuthError::NoError)
        return; // the first problem is the one worth reporting
    out->error = error;
    out->errorString = message;
}

/*
    One challenge field (RFC 7235 §4.1: Proxy-Authenticate = 1#challenge). Challenges and their
    auth-params are both comma-separated, so after each parameter a look-ahead decides whether the
    next element is "token BWS =" (another parameter) or a new challenge.
*/
class ChallengeFieldParser
{
public:
    ChallengeFieldParser(QByteArrayView field, AuthChallenges *out)
        : m_s(field)
        , m_out(out)
    { }

    void run()
    {
        for (;;) {
            skipSeparators();
            if (atEnd())
                return;
            if (m_out->challenges.size() >= AuthChallengeLimits::MaxChallenges) {
                noteError(m_out, ProxyAuthError::TooManyChallenges,
                    QStringLiteral("more than %1 authentication challenges")
                        .arg(AuthChallengeLimits::MaxChallenges));
                return;
            }
            if (!parseChallenge())
                return; // a syntax error: the rest of this field cannot be delimited
        }
    }

private:
    bool atEnd() const { return m_i >= m_s.size(); }
    char peek() const { return m_s[m_i]; }
    void skipOws()
    {
        while (!atEnd() && isOws(peek()))
            ++m_i;
    }
    // Empty list elements are allowed (RFC 7230 §7).
    void skipSeparators()
    {
        while (!atEnd() && (isOws(peek()) || peek() == ','))
            ++m_i;
    }
    QByteArrayView readToken()
    {
        const qsizetype start = m_i;
        while (!atEnd() && isTokenChar(peek()))
            ++m_i;
        return m_s.sliced(start, m_i - start);
    }

    bool syntaxError(const char *what)
    {
        noteError(m_out, ProxyAuthError::MalformedChallenge,
            QStringLiteral("malformed challenge %1 at byte %2: %3")
                .arg(quoted(m_s))
                .arg(m_i)
                .arg(QLatin1String(what)));
        return false;
    }

    bool parseChallenge()
    {
        AuthChallenge challenge;
        const QByteArrayView scheme = readToken();
        if (scheme.isEmpty())
            return syntaxError("expected an authentication scheme");
        challenge.schemeName = scheme.toByteArray();
        challenge.scheme = schemeFromName(scheme);
        const qsizetype afterScheme = m_i;
        skipOws();
        if (atEnd() || peek() == ',') {
            m_out->challenges.append(challenge);
            return true;
        }
        if (m_i == afterScheme)
            return syntaxError("expected a space after the scheme");
        if (tryToken68(&challenge)) {
            m_out->challenges.append(challenge);
            return true;
        }
        bool valid = true;
        if (!parseParameters(&challenge, &valid))
            return false;
        if (valid)
            m_out->challenges.append(challenge);
        return true;
    }

    // token68 is what follows the scheme when it ends at the end of the element (RFC 7235 §2.1).
    bool tryToken68(AuthChallenge *challenge)
    {
        qsizetype k = m_i;
        while (k < m_s.size() && isToken68Char(m_s[k]))
            ++k;
        if (k == m_i)
            return false;
        while (k < m_s.size() && m_s[k] == '=')
            ++k;
        qsizetype p = k;
        while (p < m_s.size() && isOws(m_s[p]))
            ++p;
        if (p < m_s.size() && m_s[p] != ',')
            return false; // "name=value": auth-params
        challenge->token68 = m_s.sliced(m_i, k - m_i).toByteArray();
        m_i = p;
        return true;
    }

    bool parseParameters(AuthChallenge *challenge, bool *valid)
    {
        for (;;) {
            const QByteArrayView name = readToken();
            if (name.isEmpty())
                return syntaxError("expected an auth-param name");
            skipOws(); // BWS
            if (atEnd() || peek() != '=')
                return syntaxError("expected '=' after the parameter name");
            ++m_i;
            skipOws();
            QByteArray value;
            if (!readValue(&value))
                return false;
            addParameter(challenge, name, value, valid);
            skipOws();
            if (atEnd())
                return true;
            if (peek() != ',')
                return syntaxError("expected ',' after a parameter");
            const qsizetype comma = m_i;
            skipSeparators();
            if (atEnd())
                return true;
            if (!nextIsParameter()) {
                m_i = comma; // the next challenge starts here
                return true;
            }
        }
    }

    bool nextIsParameter() const
    {
        qsizetype k = m_i;
        while (k < m_s.size() && isTokenChar(m_s[k]))
            ++k;
        if (k == m_i)
            return false;
        while (k < m_s.size() && isOws(m_s[k]))
            ++k;
        return k < m_s.size() && m_s[k] == '=';
    }

    void addParameter(AuthChallenge *challenge, QByteArrayView name, QByteArray &value, bool *valid)
    {
        // RFC 7235 §2.1: "each parameter name MUST only occur once per challenge".
        if (challenge->hasParameter(name)) {
            *valid = false;
            noteError(m_out, ProxyAuthError::DuplicateParameter,
                QStringLiteral("the %1 challenge names the parameter %2 twice")
                    .arg(QString::fromLatin1(challenge->schemeName), quoted(name)));
            return;
        }
        if (challenge->parameters.size() >= AuthChallengeLimits::MaxParameters) {
            *valid = false;
            noteError(m_out, ProxyAuthError::TooManyParameters,
                QStringLiteral("the %1 challenge has more than %2 parameters")
                    .arg(QString::fromLatin1(challenge->schemeName))
                    .arg(AuthChallengeLimits::MaxParameters));
            return;
        }
        challenge->parameters.append({name.toByteArray().toLower(), std::move(value)});
    }

    bool readValue(QByteArray *value)
    {
        if (!atEnd() && peek() == '"')
            return readQuotedString(value);
        const QByteArrayView token = readToken();
        if (token.isEmpty())
            return syntaxError("expected a token or a quoted-string");
        *value = token.toByteArray();
        return true;
    }

    // RFC 7230 §3.2.6: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
    bool readQuotedString(QByteArray *value)
    {
        ++m_i;
        QByteArray out;
        while (!atEnd()) {
            const uchar c = uchar(peek());
            if (c == '"') {
                ++m_i;
                *value = std::move(out);
                return true;
            }
            if (c == '\\') {
                if (m_i + 1 >= m_s.size())
                    break;
                const uchar e = uchar(m_s[m_i + 1]);
                if (e != '\t' && (e < 0x20 || e == 0x7f))
                    return syntaxError("invalid quoted-pair");
                out += char(e);
                m_i += 2;
                continue;
            }
            if (c != '\t' && (c < 0x20 || c == 0x7f))
                return syntaxError("control character in a quoted-string");
            out += char(c);
            ++m_i;
        }
        return syntaxError("unterminated quoted-string");
    }

    QByteArrayView m_s;
    AuthChallenges *m_out;
    qsizetype m_i = 0;
};

bool hasControl(const QString &s)
{
    for (const QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

// RFC 7230 §3.2.6 quoted-string with '"' and '\' escaped.
QByteArray quotedString(QByteArrayView s)
{
    QByteArray out;
    out.reserve(s.size() + 2);
    out += '"';
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

// RFC 5987 §3.2.1 ext-value with UTF-8 (the username* of RFC 7616 §3.4.4).
QByteArray extValue(QByteArrayView utf8)
{
    static const char attrChars[] = "!#$&+-.^_`|~";
    QByteArray out("UTF-8''");
    for (const char c : utf8) {
        const uchar u = uchar(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
            || (u != 0 && QByteArrayView(attrChars).contains(c))) {
            out += c;
        } else {
            out += '%';
            out += "0123456789ABCDEF"[u >> 4];
            out += "0123456789ABCDEF"[u & 0xf];
        }
    }
    return out;
}

bool isAscii(QByteArrayView s) noexcept
{
    for (const char c : s) {
        if (uchar(c) >= 0x80)
            return false;
    }
    return true;
}

AuthorizationResult authFailure(ProxyAuthError error, const QString &message)
{
    AuthorizationResult r;
    r.error = error;
    r.errorString = message;
    return r;
}

} // namespace

QString proxyAuthErrorString(ProxyAuthError error)
{
    switch (error) {
    case ProxyAuthError::NoError:
        return QStringLiteral("no error");
    case ProxyAuthError::NoChallenge:
        return QStringLiteral("the proxy sent no authentication challenge");
    case ProxyAuthError::MalformedChallenge:
        return QStringLiteral("malformed authentication challenge");
    case ProxyAuthError::ChallengeTooLarge:
        return QStringLiteral("authentication challenge too large");
    case ProxyAuthError::TooManyChallenges:
        return QStringLiteral("too many authentication challenges");
    case ProxyAuthError::TooManyParameters:
        return QStringLiteral("too many parameters in an authentication challenge");
    case ProxyAuthError::DuplicateParameter:
        return QStringLiteral("duplicated parameter in an authentication challenge");
    case ProxyAuthError::InvalidDigestChallenge:
        return QStringLiteral("invalid Digest challenge");
    case ProxyAuthError::UnsupportedAlgorithm:
        return QStringLiteral("unsupported Digest algorithm");
    case ProxyAuthError::UnsupportedQop:
        return QStringLiteral("unsupported Digest quality of protection");
    case ProxyAuthError::UnsupportedScheme:
        return QStringLiteral("unsupported authentication scheme");
    case ProxyAuthError::InvalidNtlmChallenge:
        return QStringLiteral("invalid NTLM challenge");
    case ProxyAuthError::InvalidCredentials:
        return QStringLiteral("credentials the authentication scheme cannot carry");
    case ProxyAuthError::MissingCredentials:
        return QStringLiteral("no credentials for the proxy");
    case ProxyAuthError::CredentialsRejected:
        return QStringLiteral("the proxy rejected the credentials");
    case ProxyAuthError::TooManyRounds:
        return QStringLiteral("too many authentication rounds");
    }
    return QStringLiteral("unknown error");
}

QByteArray authSchemeName(AuthScheme scheme)
{
    switch (scheme) {
    case AuthScheme::Basic:
        return QByteArrayLiteral("Basic");
    case AuthScheme::Digest:
        return QByteArrayLiteral("Digest");
    case AuthScheme::Ntlm:
        return QByteArrayLiteral("NTLM");
    case AuthScheme::Negotiate:
        return QByteArrayLiteral("Negotiate");
    case AuthScheme::Unknown:
        break;
    }
    return QByteArrayLiteral("unknown");
}

bool AuthChallenge::hasParameter(QByteArrayView name) const
{
    for (const Parameter &p : parameters) {
        if (equalsIgnoreCase(p.name, name))
            return true;
    }
    return false;
}

QByteArray AuthChallenge::parameter(QByteArrayView name) const
{
    for (const Parameter &p : parameters) {
        if (equalsIgnoreCase(p.name, name))
            return p.value;
    }
    return {};
}

AuthChallenges parseAuthChallenges(const QByteArrayList &fieldValues)
{
    AuthChallenges out;
    qsizetype total = 0;
    for (const QByteArray &value : fieldValues)
        total += value.size();
    if (total > AuthChallengeLimits::MaxChallengeBytes) {
        noteError(&out, ProxyAuthError::ChallengeTooLarge,
            QStringLiteral("the authentication challenges take %1 bytes, more than the %2 accepted")
                .arg(total)
                .arg(AuthChallengeLimits::MaxChallengeBytes));
        return out;
    }
    for (const QByteArray &value : fieldValues)
        ChallengeFieldParser(value, &out).run();
    return out;
}

AuthChallenges parseAuthChallenges(const HttpHeaders &headers, QByteArrayView fieldName)
{
    return parseAuthChallenges(headers.values(fieldName));
}

// ---------------------------------------------------------------------------------------------
// Basic (RFC 7617)

AuthorizationResult basicAuthorization(const ProxyCredentials &credentials, bool utf8Charset)
{
    QString user = credentials.user;
    QString password = credentials.password;
    if (utf8Charset) {
        // RFC 7617 §2.1: with charset="UTF-8" both are normalised to NFC before encoding.
        user = user.normalized(QString::NormalizationForm_C);
        password = password.normalized(QString::NormalizationForm_C);
    }
    if (user.contains(QLatin1Char(':'))) {
        return authFailure(ProxyAuthError::InvalidCredentials,
            QStringLiteral("the user name %1 contains ':', which Basic authentication cannot "
                           "carry (RFC 7617 §2)")
                .arg(quoted(user.toUtf8())));
    }
    if (hasControl(user) || hasControl(password)) {
        return authFailure(ProxyAuthError::InvalidCredentials,
            QStringLiteral("the user name or password contains control characters, which Basic "
                           "authentication does not allow (RFC 7617 §2)"));
    }
    AuthorizationResult r;
    r.value = "Basic " + QByteArray(user.toUtf8() + ':' + password.toUtf8()).toBase64();
    return r;
}

// ---------------------------------------------------------------------------------------------
// Digest (RFC 7616)

std::optional<DigestChallenge> DigestChallenge::fromChallenge(
    const AuthChallenge &challenge, ProxyAuthError *error, QString *errorString)
{
    auto reject = [&](ProxyAuthError e, const QString &message) {
        *error = e;
        *errorString = message;
        return std::nullopt;
    };
    // RFC 7616 §3.3: realm and nonce are required.
    if (!challenge.hasParameter("realm"))
        return reject(ProxyAuthError::InvalidDigestChallenge,
            QStringLiteral("the Digest challenge has no realm"));
    DigestChallenge d;
    d.nonce = challenge.parameter("nonce");
    if (d.nonce.isEmpty())
        return reject(ProxyAuthError::InvalidDigestChallenge,
            QStringLiteral("the Digest challenge has no nonce"));
    d.realm = challenge.parameter("realm");
    d.opaque = challenge.parameter("opaque");
    d.algorithmToken = challenge.parameter("algorithm");
    const QByteArray &a = d.algorithmToken;
    if (a.isEmpty() || equalsIgnoreCase(a, "MD5"))
        d.algorithm = DigestAlgorithm::Md5;
    else if (equalsIgnoreCase(a, "MD5-sess"))
        d.algorithm = DigestAlgorithm::Md5Sess;
    else if (equalsIgnoreCase(a, "SHA-256"))
        d.algorithm = DigestAlgorithm::Sha256;
    else if (equalsIgnoreCase(a, "SHA-256-sess"))
        d.algorithm = DigestAlgorithm::Sha256Sess;
    else
        return reject(ProxyAuthError::UnsupportedAlgorithm,
            QStringLiteral("the Digest algorithm %1 is not supported (qtws answers MD5, MD5-sess, "
                           "SHA-256 and SHA-256-sess)")
                .arg(quoted(a)));
    const bool sess
        = d.algorithm == DigestAlgorithm::Md5Sess || d.algorithm == DigestAlgorithm::Sha256Sess;
    if (challenge.hasParameter("qop")) {
        const QByteArray qop = challenge.parameter("qop");
        for (const QByteArrayView option : splitList(qop))
            d.qopAuth = d.qopAuth || equalsIgnoreCase(option, "auth");
        if (!d.qopAuth)
            return reject(ProxyAuthError::UnsupportedQop,
                QStringLiteral("the Digest challenge offers qop=%1 without \"auth\" (qtws does "
                               "not implement auth-int)")
                    .arg(quoted(qop)));
    } else if (sess) {
        // The -sess A1 needs a cnonce, which RFC 2069 style (no qop) does not send.
        return reject(ProxyAuthError::InvalidDigestChallenge,
            QStringLiteral("the Digest challenge asks for %1 without qop").arg(quoted(a)));
    }
    d.stale = equalsIgnoreCase(challenge.parameter("stale"), "true");
    d.userhash = equalsIgnoreCase(challenge.parameter("userhash"), "true");
    d.utf8 = equalsIgnoreCase(challenge.parameter("charset"), "UTF-8");
    return d;
}

QByteArray generateDigestCnonce()
{
    quint32 bytes[4];
    QRandomGenerator::system()->fillRange(bytes);
    return QByteArray(reinterpret_cast<const char *>(bytes), sizeof bytes).toHex();
}

AuthorizationResult digestAuthorization(const DigestChallenge &challenge,
    const ProxyCredentials &credentials, const DigestRequest &request)
{
    QString user = credentials.user;
    QString password = credentials.password;
    if (challenge.utf8) {
        user = user.normalized(QString::NormalizationForm_C);
        password = password.normalized(QString::NormalizationForm_C);
    }
    if (hasControl(user))
        return authFailure(ProxyAuthError::InvalidCredentials,
            QStringLiteral("the user name contains control characters"));
    if (!isValidFieldValue(request.method) || !isValidFieldValue(request.uri)
        || request.method.isEmpty())
        return authFailure(ProxyAuthError::InvalidCredentials,
            QStringLiteral("invalid request method or target for a Digest response"));
    const QCryptographicHash::Algorithm hash
        = (challenge.algorithm == DigestAlgorithm::Sha256
              || challenge.algorithm == DigestAlgorithm::Sha256Sess)
        ? QCryptographicHash::Sha256
        : QCryptographicHash::Md5;
    const auto H
        = [hash](const QByteArray &data) { return QCryptographicHash::hash(data, hash).toHex(); };
    const QByteArray userBytes = user.toUtf8();
    const QByteArray cnonce = request.cnonce.isEmpty() ? generateDigestCnonce() : request.cnonce;
    const QByteArray nc = QByteArray::number(request.nonceCount, 16).rightJustified(8, '0');
    // RFC 7616 §3.4.2 (A1), §3.4.3 (A2), §3.4.1 (response); RFC 2069 without qop.
    QByteArray ha1 = H(userBytes + ':' + challenge.realm + ':' + password.toUtf8());
    if (challenge.algorithm == DigestAlgorithm::Md5Sess
        || challenge.algorithm == DigestAlgorithm::Sha256Sess)
        ha1 = H(ha1 + ':' + challenge.nonce + ':' + cnonce);
    const QByteArray ha2 = H(request.method + ':' + request.uri);
    const QByteArray response = challenge.qopAuth
        ? H(ha1 + ':' + challenge.nonce + ':' + nc + ':' + cnonce + ":auth:" + ha2)
        : H(ha1 + ':' + challenge.nonce + ':' + ha2);

    QByteArray v("Digest ");
    if (challenge.userhash) // §3.4.4
        v += "username=" + quotedString(H(userBytes + ':' + challenge.realm));
    else if (challenge.utf8 && !isAscii(userBytes))
        v += "username*=" + extValue(userBytes);
    else
        v += "username=" + quotedString(userBytes);
    v += ", realm=" + quotedString(challenge.realm) + ", uri=" + quotedString(request.uri);
    if (!challenge.algorithmToken.isEmpty())
        v += ", algorithm=" + challenge.algorithmToken;
    v += ", nonce=" + quotedString(challenge.nonce);
    if (challenge.qopAuth)
        v += ", nc=" + nc + ", cnonce=" + quotedString(cnonce) + ", qop=auth";
    v += ", response=" + quotedString(response);
    if (!challenge.opaque.isEmpty())
        v += ", opaque=" + quotedString(challenge.opaque);
    if (challenge.userhash)
        v += ", userhash=true";
    AuthorizationResult r;
    r.value = v;
    return r;
}

// ---------------------------------------------------------------------------------------------
// NTLM (MS-NLMP)

namespace {

constexpr char NtlmSignature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', '\0'};
// MS-NLMP §2.2.2.5 NEGOTIATE flags.
constexpr quint32 NegotiateUnicode = 0x00000001;
constexpr quint32 NegotiateOem = 0x00000002;
constexpr quint32 RequestTarget = 0x00000004;
constexpr quint32 NegotiateNtlm = 0x00000200;
constexpr quint32 NegotiateAlwaysSign = 0x00008000;
constexpr quint32 NegotiateExtendedSessionSecurity = 0x00080000;
constexpr quint32 NegotiateTargetInfo = 0x00800000;
constexpr quint32 OurNegotiateFlags = NegotiateUnicode | NegotiateOem | RequestTarget
    | NegotiateNtlm | NegotiateAlwaysSign | NegotiateExtendedSessionSecurity;
// MS-NLMP §2.2.2.1 AV_PAIR ids.
constexpr quint16 MsvAvEol = 0;
constexpr quint16 MsvAvFlags = 6;
constexpr quint16 MsvAvTimestamp = 7;
constexpr quint32 MsvAvFlagMicPresent = 0x2;
constexpr qsizetype ChallengeHeaderSize = 32;
constexpr qsizetype AuthenticateHeaderSize = 88; // fixed fields, Version and MIC
constexpr qsizetype MicOffset = 72;
// FILETIME of the Unix epoch: 100 ns intervals since 1601-01-01.
constexpr quint64 FileTimeUnixEpoch = 116444736000000000ULL;

void putU16(QByteArray &out, quint16 v)
{
    out += char(v & 0xff);
    out += char(v >> 8);
}

void putU32(QByteArray &out, quint32 v)
{
    for (int i = 0; i < 4; ++i)
        out += char((v >> (8 * i)) & 0xff);
}

void putU64(QByteArray &out, quint64 v)
{
    for (int i = 0; i < 8; ++i)
        out += char((v >> (8 * i)) & 0xff);
}

quint16 readU16(QByteArrayView s, qsizetype at)
{
    return qFromLittleEndian<quint16>(s.data() + at);
}

quint32 readU32(QByteArrayView s, qsizetype at)
{
    return qFromLittleEndian<quint32>(s.data() + at);
}

QByteArray utf16le(const QString &s)
{
    QByteArray out;
    out.reserve(s.size() * 2);
    for (const QChar c : s)
        putU16(out, c.unicode());
    return out;
}

QByteArray hmacMd5(const QByteArray &key, const QByteArray &data)
{
    return QMessageAuthenticationCode::hash(data, key, QCryptographicHash::Md5);
}

// MS-NLMP §2.2.1.2 buffer fields: Len (2), MaxLen (2), BufferOffset (4), inside the message.
bool readBuffer(QByteArrayView message, qsizetype fieldAt, QByteArrayView *buffer, QString *error,
    const char *what)
{
    const quint16 length = readU16(message, fieldAt);
    const quint32 offset = readU32(message, fieldAt + 4);
    if (length == 0) {
        *buffer = {};
        return true;
    }
    if (offset < ChallengeHeaderSize || quint64(offset) + length > quint64(message.size())) {
        *error = QStringLiteral("the NTLM challenge's %1 (%2 bytes at offset %3) lies outside the "
                                "%4-byte message")
                     .arg(QLatin1String(what))
                     .arg(length)
                     .arg(offset)
                     .arg(message.size());
        return false;
    }
    *buffer = message.sliced(offset, length);
    return true;
}

// Walks the AV_PAIR list up to MsvAvEOL (MS-NLMP §2.2.2.1); returns the list including the EOL.
bool parseAvPairs(QByteArrayView info, NtlmChallenge *challenge, QString *error)
{
    qsizetype pos = 0;
    for (qsizetype count = 0;; ++count) {
        if (count >= NtlmLimits::MaxAvPairs) {
            *error = QStringLiteral("the NTLM challenge's TargetInfo has more than %1 entries")
                         .arg(NtlmLimits::MaxAvPairs);
            return false;
        }
        if (pos + 4 > info.size()) {
            *error = QStringLiteral("the NTLM challenge's TargetInfo ends without MsvAvEOL");
            return false;
        }
        const quint16 id = readU16(info, pos);
        const quint16 length = readU16(info, pos + 2);
        pos += 4;
        if (pos + length > info.size()) {
            *error = QStringLiteral("an AV_PAIR of %1 bytes overruns the NTLM challenge's "
                                    "TargetInfo")
                         .arg(length);
            return false;
        }
        if (id == MsvAvEol) {
            challenge->targetInfo = info.first(pos).toByteArray();
            return true;
        }
        if (id == MsvAvTimestamp && length == 8)
            challenge->timestamp = qFromLittleEndian<quint64>(info.data() + pos);
        pos += length;
    }
}

// The AV_PAIR list with MsvAvFlags announcing a MIC (MS-NLMP §3.1.5.1.2).
QByteArray withMicFlag(const QByteArray &avPairs)
{
    QByteArray out;
    qsizetype pos = 0;
    bool flagged = false;
    while (pos + 4 <= avPairs.size()) {
        const quint16 id = readU16(avPairs, pos);
        const quint16 length = readU16(avPairs, pos + 2);
        if (id == MsvAvEol)
            break;
        if (id == MsvAvFlags && length == 4) {
            out += avPairs.mid(pos, 4);
            putU32(out, readU32(avPairs, pos + 4) | MsvAvFlagMicPresent);
            flagged = true;
        } else {
            out += avPairs.mid(pos, 4 + length);
        }
        pos += 4 + length;
    }
    if (!flagged) {
        putU16(out, MsvAvFlags);
        putU16(out, 4);
        putU32(out, MsvAvFlagMicPresent);
    }
    out += QByteArray(4, '\0'); // MsvAvEOL
    return out;
}

quint64 currentFileTime()
{
    return FileTimeUnixEpoch + quint64(QDateTime::currentMSecsSinceEpoch()) * 10000;
}

} // namespace

QByteArray ntlmNegotiateMessage()
{
    QByteArray m(NtlmSignature, sizeof NtlmSignature);
    putU32(m, 1); // NtLmNegotiate
    putU32(m, OurNegotiateFlags);
    for (int field = 0; field < 2; ++field) { // DomainNameFields, WorkstationFields: empty
        putU16(m, 0);
        putU16(m, 0);
        putU32(m, ChallengeHeaderSize);
    }
    return m;
}

std::optional<NtlmChallenge> parseNtlmChallenge(QByteArrayView message, QString *errorString)
{
    if (message.size() > NtlmLimits::MaxMessageBytes) {
        *errorString = QStringLiteral("the NTLM challenge is %1 bytes, more than the %2 accepted")
                           .arg(message.size())
                           .arg(NtlmLimits::MaxMessageBytes);
        return std::nullopt;
    }
    if (message.size() < ChallengeHeaderSize) {
        *errorString = QStringLiteral("the NTLM challenge is %1 bytes, shorter than the 32-byte "
                                      "CHALLENGE_MESSAGE header")
                           .arg(message.size());
        return std::nullopt;
    }
    if (!message.startsWith(QByteArrayView(NtlmSignature, sizeof NtlmSignature))) {
        *errorString = QStringLiteral("the NTLM challenge does not start with \"NTLMSSP\\0\": %1")
                           .arg(quoted(message.first(8)));
        return std::nullopt;
    }
    const quint32 type = readU32(message, 8);
    if (type != 2) {
        *errorString = QStringLiteral("the NTLM message is of type %1, not a CHALLENGE_MESSAGE (2)")
                           .arg(type);
        return std::nullopt;
    }
    NtlmChallenge c;
    c.flags = readU32(message, 20);
    c.serverChallenge = message.sliced(24, 8).toByteArray();
    // TargetName is informational (NTLMv2 does not use it): one that lies outside the message is
    // dropped rather than fatal. Squid's ntlm_fake_auth test helper sends such an offset.
    QByteArrayView targetName;
    QString ignored;
    if (readBuffer(message, 12, &targetName, &ignored, "TargetName"))
        c.targetName = targetName.toByteArray();
    if (c.flags & NegotiateTargetInfo) {
        // TargetInfoFields follow 8 reserved bytes (MS-NLMP §2.2.1.2).
        if (message.size() < 48) {
            *errorString = QStringLiteral("the NTLM challenge announces TargetInfo but is only %1 "
                                          "bytes long")
                               .arg(message.size());
            return std::nullopt;
        }
        QByteArrayView info;
        if (!readBuffer(message, 40, &info, errorString, "TargetInfo"))
            return std::nullopt;
        if (!info.isEmpty() && !parseAvPairs(info, &c, errorString))
            return std::nullopt;
    }
    c.message = message.toByteArray();
    return c;
}

void splitNtlmUser(const QString &qualified, QString *domain, QString *user)
{
    const qsizetype slash = qualified.indexOf(QLatin1Char('\\'));
    if (slash < 0) {
        domain->clear();
        *user = qualified;
        return;
    }
    *domain = qualified.left(slash);
    *user = qualified.mid(slash + 1);
}

QByteArray ntlmV2Hash(const QString &user, const QString &domain, const QString &password)
{
    const QByteArray ntHash = QCryptographicHash::hash(utf16le(password), QCryptographicHash::Md4);
    return hmacMd5(ntHash, utf16le(user.toUpper() + domain));
}

QByteArray ntlmLmV2Response(
    const QByteArray &key, const QByteArray &serverChallenge, const QByteArray &clientChallenge)
{
    return hmacMd5(key, serverChallenge + clientChallenge) + clientChallenge;
}

QByteArray ntlmV2Response(const QByteArray &key, const QByteArray &serverChallenge,
    const QByteArray &clientChallenge, quint64 timestamp, const QByteArray &avPairs)
{
    // MS-NLMP §3.3.2: temp = Responserversion, HiResponserversion, Z(6), Time, ClientChallenge,
    // Z(4), ServerName (the AV pairs), Z(4).
    QByteArray temp("\x01\x01", 2);
    temp += QByteArray(6, '\0');
    putU64(temp, timestamp);
    temp += clientChallenge;
    temp += QByteArray(4, '\0');
    temp += avPairs;
    temp += QByteArray(4, '\0');
    return hmacMd5(key, serverChallenge + temp) + temp;
}

QByteArray ntlmAuthenticateMessage(const NtlmChallenge &challenge, const NtlmAuthenticateInput &in)
{
    QByteArray clientChallenge = in.clientChallenge;
    if (clientChallenge.size() != 8) {
        quint32 random[2];
        QRandomGenerator::system()->fillRange(random);
        clientChallenge = QByteArray(reinterpret_cast<const char *>(random), sizeof random);
    }
    const bool serverTime = challenge.timestamp.has_value();
    const quint64 time
        = serverTime ? *challenge.timestamp : in.timestamp.value_or(currentFileTime());
    const QByteArray key = ntlmV2Hash(in.user, in.domain, in.password);
    QByteArray avPairs
        = challenge.targetInfo.isEmpty() ? QByteArray(4, '\0') : challenge.targetInfo;
    if (serverTime)
        avPairs = withMicFlag(avPairs);
    const QByteArray nt
        = ntlmV2Response(key, challenge.serverChallenge, clientChallenge, time, avPairs);
    // §3.3.2: with a server timestamp the client sends Z(24) instead of the LMv2 response.
    const QByteArray lm = serverTime
        ? QByteArray(24, '\0')
        : ntlmLmV2Response(key, challenge.serverChallenge, clientChallenge);
    const bool unicode = challenge.flags & NegotiateUnicode;
    const auto encode = [unicode](const QString &s) { return unicode ? utf16le(s) : s.toLatin1(); };
    const QByteArray payloads[]
        = {lm, nt, encode(in.domain), encode(in.user), encode(in.workstation)};
    quint32 flags = (challenge.flags
                        & (NegotiateUnicode | NegotiateOem | NegotiateAlwaysSign
                            | NegotiateExtendedSessionSecurity))
        | NegotiateNtlm;
    flags = unicode ? (flags & ~NegotiateOem) : (flags | NegotiateOem);

    QByteArray m(NtlmSignature, sizeof NtlmSignature);
    putU32(m, 3); // NtLmAuthenticate
    quint32 offset = AuthenticateHeaderSize;
    for (const QByteArray &p : payloads) { // Lm, Nt, DomainName, UserName, Workstation fields
        if (p.size() > 0xffff)
            return {};
        putU16(m, quint16(p.size()));
        putU16(m, quint16(p.size()));
        putU32(m, offset);
        offset += quint32(p.size());
    }
    putU16(m, 0); // EncryptedRandomSessionKeyFields: no key exchange
    putU16(m, 0);
    putU32(m, offset);
    putU32(m, flags);
    m += QByteArray(8 + 16, '\0'); // Version (not sent), MIC (filled in below)
    for (const QByteArray &p : payloads)
        m += p;
    if (serverTime) {
        // MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE); without key
        // exchange the exported key is the session base key, HMAC_MD5(key, NTProofStr).
        const QByteArray sessionKey = hmacMd5(key, nt.first(16));
        const QByteArray negotiate
            = in.negotiateMessage.isEmpty() ? ntlmNegotiateMessage() : in.negotiateMessage;
        m.replace(MicOffset, 16, hmacMd5(sessionKey, negotiate + challenge.message + m));
    }
    return m;
}

// ---------------------------------------------------------------------------------------------
// The choice

namespace {

int rank(const AuthChoice &choice)
{
    switch (choice.scheme) {
    case AuthScheme::Digest:
        return (choice.digest->algorithm == DigestAlgorithm::Sha256
                   || choice.digest->algorithm == DigestAlgorithm::Sha256Sess)
            ? 4
            : 3;
    case AuthScheme::Ntlm:
        return 2;
    case AuthScheme::Basic:
        return 1;
    default:
        return 0;
    }
}

} // namespace

AuthChoice chooseAuthChallenge(const AuthChallenges &challenges)
{
    AuthChoice best;
    QStringList problems;
    ProxyAuthError firstError = ProxyAuthError::NoError;
    QByteArrayList unsupported;
    for (qsizetype i = 0; i < challenges.challenges.size(); ++i) {
        const AuthChallenge &c = challenges.challenges.at(i);
        AuthChoice candidate;
        candidate.index = i;
        candidate.scheme = c.scheme;
        if (c.scheme == AuthScheme::Digest) {
            ProxyAuthError error = ProxyAuthError::NoError;
            QString message;
            candidate.digest = DigestChallenge::fromChallenge(c, &error, &message);
            if (!candidate.digest) {
                if (firstError == ProxyAuthError::NoError)
                    firstError = error;
                problems.append(message);
                continue;
            }
        } else if (c.scheme == AuthScheme::Negotiate || c.scheme == AuthScheme::Unknown) {
            if (!unsupported.contains(c.schemeName))
                unsupported.append(c.schemeName);
            continue;
        }
        if (rank(candidate) > (best.isValid() ? rank(best) : 0))
            best = candidate;
    }
    if (best.isValid())
        return best;

    AuthChoice failed;
    if (challenges.challenges.isEmpty()) {
        failed.error = challenges.error == ProxyAuthError::NoError ? ProxyAuthError::NoChallenge
                                                                   : challenges.error;
        failed.errorString = challenges.error == ProxyAuthError::NoError
            ? QStringLiteral("the proxy sent no usable authentication challenge")
            : challenges.errorString;
        return failed;
    }
    bool negotiate = false;
    for (const QByteArray &name : unsupported)
        negotiate = negotiate || equalsIgnoreCase(name, "Negotiate");
    if (negotiate)
        problems.append(QStringLiteral("the proxy offers Negotiate (Kerberos/SPNEGO) "
                                       "authentication, which needs GSSAPI and is not supported; "
                                       "ask for Basic, Digest or NTLM to be enabled on the proxy"));
    else if (!unsupported.isEmpty())
        problems.append(QStringLiteral("the proxy offers only authentication schemes qtws does "
                                       "not support: %1")
                            .arg(QString::fromLatin1(unsupported.join(", "))));
    failed.error
        = firstError != ProxyAuthError::NoError ? firstError : ProxyAuthError::UnsupportedScheme;
    failed.errorString = problems.join(QLatin1String("; "));
    return failed;
}

// ---------------------------------------------------------------------------------------------
// ProxyAuthenticator

ProxyAuthenticator::ProxyAuthenticator(const ProxyCredentials &credentials, int maxRounds)
    : m_credentials(credentials)
    , m_maxRounds(qMax(1, maxRounds))
{ }

ProxyAuthenticator::Decision ProxyAuthenticator::handleChallenge(
    const HttpResponseHead &response, QByteArrayView method, QByteArrayView target)
{
    return handleChallenge(
        parseAuthChallenges(response.headers, "Proxy-Authenticate"), method, target);
}

ProxyAuthenticator::Decision ProxyAuthenticator::handleChallenge(
    const AuthChallenges &challenges, QByteArrayView method, QByteArrayView target)
{
    if (m_step == Step::Failed)
        return m_failure;
    m_method = method.toByteArray();
    m_target = target.toByteArray();
    if (m_step == Step::SentNtlmNegotiate)
        return answerNtlmChallenge(challenges);
    if (m_rounds >= m_maxRounds)
        return fail(ProxyAuthError::TooManyRounds,
            QStringLiteral("the proxy still answered 407 after %1 authentication rounds")
                .arg(m_rounds));
    const AuthChoice choice = chooseAuthChallenge(challenges);
    if (!choice.isValid())
        return fail(choice.error, choice.errorString);
    // RFC 7616 §3.3: stale=true means the nonce expired, not that the credentials were wrong.
    const bool stale = m_scheme == AuthScheme::Digest && choice.scheme == AuthScheme::Digest
        && choice.digest->stale;
    const bool rejected = m_step == Step::SentCredentials && !stale;
    m_challenge = challenges.challenges.at(choice.index);
    m_scheme = choice.scheme;
    m_digest = choice.digest;
    Decision prompt;
    if (rejected) {
        if (m_rejected.contains(m_credentials))
            return fail(ProxyAuthError::CredentialsRejected,
                QStringLiteral("the proxy rejected the same credentials twice (user %1, %2)")
                    .arg(quoted(m_credentials.user.toUtf8()),
                        QString::fromLatin1(authSchemeName(m_scheme))));
        prompt.error = ProxyAuthError::CredentialsRejected;
        prompt.errorString = QStringLiteral("the proxy rejected the credentials of user %1")
                                 .arg(quoted(m_credentials.user.toUtf8()));
        m_rejected.append(m_credentials);
        m_credentials = {};
    }
    if (m_credentials.isEmpty()) {
        m_step = Step::AwaitingCredentials;
        prompt.action = Action::PromptForCredentials;
        prompt.scheme = m_scheme;
        prompt.realm = m_challenge.realm();
        return prompt;
    }
    return answer();
}

ProxyAuthenticator::Decision ProxyAuthenticator::provideCredentials(
    const ProxyCredentials &credentials)
{
    if (m_step != Step::AwaitingCredentials) {
        Decision d;
        d.error = ProxyAuthError::MissingCredentials;
        d.errorString = QStringLiteral("no credentials were asked for");
        return d;
    }
    if (credentials.isEmpty())
        return fail(ProxyAuthError::MissingCredentials,
            QStringLiteral("the proxy requires %1 authentication%2 and no credentials were given")
                .arg(QString::fromLatin1(authSchemeName(m_scheme)),
                    m_challenge.hasParameter("realm")
                        ? QStringLiteral(" (realm %1)").arg(quoted(m_challenge.parameter("realm")))
                        : QString()));
    m_credentials = credentials;
    return answer();
}

QByteArray ProxyAuthenticator::authorizationFor(QByteArrayView method, QByteArrayView target)
{
    if (m_credentials.isEmpty() || m_step == Step::Failed)
        return {};
    AuthorizationResult r;
    if (m_scheme == AuthScheme::Basic)
        r = basicAuthorization(
            m_credentials, equalsIgnoreCase(m_challenge.parameter("charset"), "UTF-8"));
    else if (m_scheme == AuthScheme::Digest)
        r = digestFor(method, target);
    else
        return {}; // NTLM authenticates a connection, not a request
    if (!r.isValid())
        return {};
    m_step = Step::SentCredentials;
    return r.value;
}

void ProxyAuthenticator::connectionReset()
{
    // Whatever was sent on the old connection is gone with it; credentials, rejections, rounds
    // and nonce counts stay.
    if (m_step == Step::SentNtlmNegotiate || m_step == Step::SentCredentials)
        m_step = Step::Idle;
}

ProxyAuthenticator::Decision ProxyAuthenticator::answer()
{
    AuthorizationResult r;
    switch (m_scheme) {
    case AuthScheme::Basic:
        r = basicAuthorization(
            m_credentials, equalsIgnoreCase(m_challenge.parameter("charset"), "UTF-8"));
        break;
    case AuthScheme::Digest:
        r = digestFor(m_method, m_target);
        break;
    case AuthScheme::Ntlm: {
        if (m_credentials.user.size() > 256 || m_credentials.password.size() > 256)
            return fail(ProxyAuthError::InvalidCredentials,
                QStringLiteral("the user name or password is longer than 256 characters"));
        m_ntlmNegotiate = ntlmNegotiateMessage();
        ++m_rounds;
        m_step = Step::SentNtlmNegotiate;
        return retry("NTLM " + m_ntlmNegotiate.toBase64(), true);
    }
    default:
        return fail(ProxyAuthError::UnsupportedScheme, QStringLiteral("no scheme chosen"));
    }
    if (!r.isValid())
        return fail(r.error, r.errorString);
    ++m_rounds;
    m_step = Step::SentCredentials;
    return retry(r.value, false);
}

ProxyAuthenticator::Decision ProxyAuthenticator::answerNtlmChallenge(
    const AuthChallenges &challenges)
{
    QByteArray token;
    for (const AuthChallenge &c : challenges.challenges) {
        if (c.scheme == AuthScheme::Ntlm && !c.token68.isEmpty()) {
            token = c.token68;
            break;
        }
    }
    if (token.isEmpty())
        return fail(ProxyAuthError::InvalidNtlmChallenge,
            QStringLiteral("the proxy answered the NTLM negotiate message without an NTLM "
                           "challenge (was the connection replaced between the two messages?)"));
    // Checked before decoding: base64 of MaxMessageBytes.
    if (token.size() > (NtlmLimits::MaxMessageBytes + 2) / 3 * 4)
        return fail(ProxyAuthError::InvalidNtlmChallenge,
            QStringLiteral("the NTLM challenge is too large (%1 base64 characters)")
                .arg(token.size()));
    const auto decoded
        = QByteArray::fromBase64Encoding(token, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return fail(ProxyAuthError::InvalidNtlmChallenge,
            QStringLiteral("the NTLM challenge is not base64: %1").arg(quoted(token)));
    QString message;
    const std::optional<NtlmChallenge> challenge = parseNtlmChallenge(*decoded, &message);
    if (!challenge)
        return fail(ProxyAuthError::InvalidNtlmChallenge, message);
    NtlmAuthenticateInput input;
    splitNtlmUser(m_credentials.user, &input.domain, &input.user);
    input.password = m_credentials.password;
    input.negotiateMessage = m_ntlmNegotiate;
    const QByteArray authenticate = ntlmAuthenticateMessage(*challenge, input);
    if (authenticate.isEmpty()) // a field over 64 KiB; answer() bounds the credentials first
        return fail(ProxyAuthError::InvalidCredentials,
            QStringLiteral("the NTLM AUTHENTICATE_MESSAGE would be too large"));
    m_step = Step::SentCredentials;
    return retry("NTLM " + authenticate.toBase64(), true);
}

ProxyAuthenticator::Decision ProxyAuthenticator::fail(ProxyAuthError error, const QString &message)
{
    Decision d;
    d.action = Action::Fail;
    d.scheme = m_scheme;
    d.realm = m_challenge.realm();
    d.error = error;
    d.errorString = message;
    m_failure = d;
    m_step = Step::Failed;
    return d;
}

ProxyAuthenticator::Decision ProxyAuthenticator::retry(
    const QByteArray &authorization, bool connectionBound)
{
    Decision d;
    d.action = Action::Retry;
    d.authorization = authorization;
    d.connectionBound = connectionBound;
    d.scheme = m_scheme;
    d.realm = m_challenge.realm();
    return d;
}

AuthorizationResult ProxyAuthenticator::digestFor(QByteArrayView method, QByteArrayView target)
{
    // RFC 7616 §3.4: nc counts the requests sent with this nonce, starting at 1.
    if (m_digest->nonce != m_nonce) {
        m_nonce = m_digest->nonce;
        m_nonceCount = 0;
    }
    DigestRequest request;
    request.method = method.toByteArray();
    request.uri = target.toByteArray();
    request.cnonce = generateDigestCnonce();
    request.nonceCount = ++m_nonceCount;
    return digestAuthorization(*m_digest, m_credentials, request);
}

} // namespace QtWs::Protocol
