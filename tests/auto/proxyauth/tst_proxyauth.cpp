// SPDX-License-Identifier: LGPL-3.0-or-later
#include <QtTest/QtTest>

#include "protocol/proxyauth.h"

#include <QtCore/QMessageAuthenticationCode>

using namespace QtWs::Protocol;

Q_DECLARE_METATYPE(QtWs::Protocol::ProxyAuthError)
Q_DECLARE_METATYPE(QtWs::Protocol::AuthScheme)

namespace {

using Action = ProxyAuthenticator::Action;

// "Scheme(token68)[name=value,...]" per challenge, space-separated.
QByteArray describe(const AuthChallenges &parsed)
{
    QByteArrayList out;
    for (const AuthChallenge &c : parsed.challenges) {
        QByteArray s
            = authSchemeName(c.scheme) == "unknown" ? c.schemeName : authSchemeName(c.scheme);
        if (!c.token68.isEmpty())
            s += '(' + c.token68 + ')';
        if (!c.parameters.isEmpty()) {
            QByteArrayList params;
            for (const AuthChallenge::Parameter &p : c.parameters)
                params.append(p.name + '=' + p.value);
            s += '[' + params.join(',') + ']';
        }
        out.append(s);
    }
    return out.join(' ');
}

HttpResponseHead response407(const QByteArrayList &challenges)
{
    HttpResponseHead head;
    head.statusCode = 407;
    head.reasonPhrase = "Proxy Authentication Required";
    for (const QByteArray &c : challenges)
        head.headers.append("Proxy-Authenticate", c);
    return head;
}

// The auth-params of a Digest credentials value, parsed back with the challenge parser (the
// credentials syntax is the same, RFC 7235 §2.1).
AuthChallenge parseCredentials(const QByteArray &value)
{
    const AuthChallenges parsed = parseAuthChallenges(QByteArrayList {value});
    if (parsed.challenges.size() != 1)
        return {};
    return parsed.challenges.first();
}

QByteArray field(QByteArrayView message, int at)
{
    const quint16 length = qFromLittleEndian<quint16>(message.data() + at);
    const quint32 offset = qFromLittleEndian<quint32>(message.data() + at + 4);
    return message.sliced(offset, length).toByteArray();
}

QByteArray utf16(const QString &s)
{
    QByteArray out;
    for (const QChar c : s) {
        out += char(c.unicode() & 0xff);
        out += char(c.unicode() >> 8);
    }
    return out;
}

const QByteArray Rfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const QByteArray Rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
const QByteArray Rfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

QByteArray rfc7616Challenge(const QByteArray &algorithm)
{
    return "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=" + algorithm
        + ", nonce=\"" + Rfc7616Nonce + "\", opaque=\"" + Rfc7616Opaque + "\"";
}

// MS-NLMP §4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 example.
const QByteArray SpecChallenge = QByteArray::fromHex("4e544c4d53535000"
                                                     "02000000" // signature, type
                                                     "0c000c0038000000" // TargetNameFields
                                                     "33828ae2" // NegotiateFlags
                                                     "0123456789abcdef" // ServerChallenge
                                                     "0000000000000000" // Reserved
                                                     "2400240044000000" // TargetInfoFields
                                                     "060070170000000f" // Version
                                                     "530065007200760065007200" // "Server"
                                                     "02000c0044006f006d00610069006e00"
                                                     "01000c00530065007200760065007200"
                                                     "00000000");
// MS-NLMP §4.2.4: the AV pairs of that challenge (MsvAvNbDomainName, MsvAvNbComputerName, EOL).
const QByteArray SpecTargetInfo = QByteArray::fromHex("02000c0044006f006d00610069006e00"
                                                      "01000c00530065007200760065007200"
                                                      "00000000");

// A CHALLENGE_MESSAGE with no TargetName and \a info as TargetInfo.
QByteArray challengeWithInfo(const QByteArray &info)
{
    QByteArray m = SpecChallenge.left(48);
    qToLittleEndian<quint32>(0, m.data() + 12); // TargetName: empty
    qToLittleEndian<quint16>(quint16(info.size()), m.data() + 40);
    qToLittleEndian<quint16>(quint16(info.size()), m.data() + 42);
    qToLittleEndian<quint32>(48, m.data() + 44);
    return m + info;
}

// \a count MsvAvNbComputerName pairs with empty values, then MsvAvEOL.
QByteArray avPairs(int count)
{
    QByteArray pairs;
    for (int i = 0; i < count; ++i)
        pairs += QByteArray::fromHex("01000000");
    return pairs + QByteArray(4, '\0');
}

} // namespace

class tst_ProxyAuth : public QObject
{
    Q_OBJECT
private slots:
    void parseChallenges_data();
    void parseChallenges();
    void challengeSizeLimit();
    void challengeCountLimits();
    void basic_data();
    void basic();
    void digestVectors_data();
    void digestVectors();
    void digestChallenge_data();
    void digestChallenge();
    void digestUserhashAndCharset();
    void ntlmNegotiate();
    void ntlmSpecVectors();
    void ntlmAuthenticateFromSpecChallenge();
    void ntlmServerTimestampAddsMic();
    void ntlmChallengeErrors_data();
    void ntlmChallengeErrors();
    void ntlmTargetNameIgnored_data();
    void ntlmTargetNameIgnored();
    void splitUser_data();
    void splitUser();
    void choose_data();
    void choose();
    void basicRejectedTwice();
    void promptWithoutCredentials();
    void newCredentialsAfterRejection();
    void digestStaleIsNotARejection();
    void digestNonceCount();
    void roundsAreBounded();
    void ntlmHandshake();
    void ntlmConnectionReset();
    void ntlmMissingOrBogusType2_data();
    void ntlmMissingOrBogusType2();
    void bogusChallenges_data();
    void bogusChallenges();
    void failureIsFinal();
};

void tst_ProxyAuth::parseChallenges_data()
{
    QTest::addColumn<QByteArrayList>("fields");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<ProxyAuthError>("error");

    const auto ok = ProxyAuthError::NoError;
    // Happy
    QTest::addRow("basic") << QByteArrayList {"Basic realm=\"proxy\""}
                           << QByteArray("Basic[realm=proxy]") << ok;
    QTest::addRow("RFC 7235 §4.1 example")
        << QByteArrayList {"Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
                           "Basic realm=\"simple\""}
        << QByteArray("Newauth[realm=apps,type=1,title=Login to \"apps\"] Basic[realm=simple]")
        << ok;
    QTest::addRow("across fields") << QByteArrayList {"Basic realm=a", "Digest realm=b, nonce=n"}
                                   << QByteArray("Basic[realm=a] Digest[realm=b,nonce=n]") << ok;
    QTest::addRow("NTLM bare") << QByteArrayList {"NTLM"} << QByteArray("NTLM") << ok;
    QTest::addRow("NTLM token68") << QByteArrayList {"NTLM TlRMTVNTUAACAAAA+/8="}
                                  << QByteArray("NTLM(TlRMTVNTUAACAAAA+/8=)") << ok;
    QTest::addRow("schemes only") << QByteArrayList {"Negotiate, NTLM"}
                                  << QByteArray("Negotiate NTLM") << ok;
    QTest::addRow("token68 then challenge") << QByteArrayList {"Negotiate abc==, Basic realm=x"}
                                            << QByteArray("Negotiate(abc==) Basic[realm=x]") << ok;
    QTest::addRow("params then bare scheme")
        << QByteArrayList {"Basic realm=x, NTLM"} << QByteArray("Basic[realm=x] NTLM") << ok;
    QTest::addRow("case-insensitive names") << QByteArrayList {"bAsIc REALM=x, ChArSeT=UTF-8"}
                                            << QByteArray("Basic[realm=x,charset=UTF-8]") << ok;
    QTest::addRow("empty list elements") << QByteArrayList {", , Basic realm=x ,, , NTLM,"}
                                         << QByteArray("Basic[realm=x] NTLM") << ok;
    QTest::addRow("BWS around =") << QByteArrayList {"Basic realm = \"x\" , charset\t=\tUTF-8"}
                                  << QByteArray("Basic[realm=x,charset=UTF-8]") << ok;
    QTest::addRow("quoted-pair escapes") << QByteArrayList {"Basic realm=\"a\\\\b\\\"c\\d\""}
                                         << QByteArray("Basic[realm=a\\b\"cd]") << ok;
    QTest::addRow("obs-text and tab in quotes")
        << QByteArrayList {"Basic realm=\"caf\xc3\xa9\tbar\""}
        << QByteArray("Basic[realm=caf\xc3\xa9\tbar]") << ok;
    QTest::addRow("empty quoted value") << QByteArrayList {"Digest realm=\"\", nonce=\"n\""}
                                        << QByteArray("Digest[realm=,nonce=n]") << ok;
    QTest::addRow("squid digest")
        << QByteArrayList {"Digest realm=\"Squid proxy-caching web server\", "
                           "nonce=\"Xn1a3wAAAAB4ZmA9AAAAAO2fOvQAAAAA\", qop=\"auth\", stale=false"}
        << QByteArray("Digest[realm=Squid proxy-caching web server,"
                      "nonce=Xn1a3wAAAAB4ZmA9AAAAAO2fOvQAAAAA,qop=auth,stale=false]")
        << ok;
    QTest::addRow("empty field") << QByteArrayList {QByteArray()} << QByteArray() << ok;
    QTest::addRow("commas only") << QByteArrayList {" , ,"} << QByteArray() << ok;

    // Rainy
    QTest::addRow("duplicate parameter") << QByteArrayList {"Basic realm=a, realm=b"}
                                         << QByteArray() << ProxyAuthError::DuplicateParameter;
    QTest::addRow("duplicate, different case, then good")
        << QByteArrayList {"Digest realm=a, REALM=b, nonce=n, Basic realm=c"}
        << QByteArray("Basic[realm=c]") << ProxyAuthError::DuplicateParameter;
    QTest::addRow("unterminated quoted-string") << QByteArrayList {
        "Basic realm=\"abc"} << QByteArray() << ProxyAuthError::MalformedChallenge;
    QTest::addRow("control character in quotes") << QByteArrayList {
        "Basic realm=\"a\x01b\""} << QByteArray() << ProxyAuthError::MalformedChallenge;
    QTest::addRow("bad quoted-pair") << QByteArrayList {"Basic realm=\"a\\\x01\""} << QByteArray()
                                     << ProxyAuthError::MalformedChallenge;
    QTest::addRow("backslash at the end") << QByteArrayList {"Basic realm=\"a\\"} << QByteArray()
                                          << ProxyAuthError::MalformedChallenge;
    QTest::addRow("missing value") << QByteArrayList {"Digest realm=\"x\", nonce="} << QByteArray()
                                   << ProxyAuthError::MalformedChallenge;
    QTest::addRow("no space after scheme")
        << QByteArrayList {"Basic\"x\""} << QByteArray() << ProxyAuthError::MalformedChallenge;
    QTest::addRow("no scheme") << QByteArrayList {"=abc"} << QByteArray()
                               << ProxyAuthError::MalformedChallenge;
    QTest::addRow("junk after value")
        << QByteArrayList {"Basic realm=x y"} << QByteArray() << ProxyAuthError::MalformedChallenge;
    QTest::addRow("bad then good field") << QByteArrayList {"Basic realm=\"x",
        "NTLM"} << QByteArray("NTLM") << ProxyAuthError::MalformedChallenge;
    QTest::addRow("good then bad challenge in a field") << QByteArrayList {
        "NTLM, Basic realm=\"x"} << QByteArray("NTLM") << ProxyAuthError::MalformedChallenge;
    QTest::addRow("param name not a token")
        << QByteArrayList {"Basic realm=x, @=y"} << QByteArray("Basic[realm=x]")
        << ProxyAuthError::MalformedChallenge;
}

void tst_ProxyAuth::parseChallenges()
{
    QFETCH(QByteArrayList, fields);
    QFETCH(QByteArray, expected);
    QFETCH(ProxyAuthError, error);

    const AuthChallenges parsed = parseAuthChallenges(fields);
    QCOMPARE(describe(parsed), expected);
    QCOMPARE(parsed.error, error);
    QCOMPARE(parsed.errorString.isEmpty(), error == ProxyAuthError::NoError);
    if (error == ProxyAuthError::MalformedChallenge)
        QVERIFY2(
            parsed.errorString.contains(QLatin1String("at byte")), qPrintable(parsed.errorString));

    // The same through the headers of a response, where each field is one header line.
    HttpHeaders headers;
    for (const QByteArray &f : fields)
        headers.append("WWW-Authenticate", f);
    headers.append("Proxy-Authenticate", "Basic realm=other");
    QCOMPARE(describe(parseAuthChallenges(headers, "www-authenticate")), expected);
}

void tst_ProxyAuth::challengeSizeLimit()
{
    // Exactly at the limit parses; one byte more is refused before parsing.
    QByteArray atLimit = "Basic realm=\"";
    atLimit += QByteArray(AuthChallengeLimits::MaxChallengeBytes - atLimit.size() - 1, 'a');
    atLimit += '"';
    QCOMPARE(atLimit.size(), AuthChallengeLimits::MaxChallengeBytes);
    QCOMPARE(parseAuthChallenges(QByteArrayList {atLimit}).challenges.size(), 1);

    const AuthChallenges over = parseAuthChallenges(QByteArrayList {atLimit, "x"});
    QCOMPARE(over.error, ProxyAuthError::ChallengeTooLarge);
    QVERIFY(over.challenges.isEmpty());
    QVERIFY(over.errorString.contains(QLatin1String("16385")));
}

void tst_ProxyAuth::challengeCountLimits()
{
    QByteArrayList many;
    for (int i = 0; i < AuthChallengeLimits::MaxChallenges + 1; ++i)
        many.append("Basic realm=r" + QByteArray::number(i));
    AuthChallenges parsed = parseAuthChallenges(many);
    QCOMPARE(parsed.error, ProxyAuthError::TooManyChallenges);
    QCOMPARE(parsed.challenges.size(), AuthChallengeLimits::MaxChallenges);
    many.removeLast();
    parsed = parseAuthChallenges(many);
    QCOMPARE(parsed.error, ProxyAuthError::NoError);
    QCOMPARE(parsed.challenges.size(), AuthChallengeLimits::MaxChallenges);

    QByteArrayList params;
    for (int i = 0; i < AuthChallengeLimits::MaxParameters; ++i)
        params.append("p" + QByteArray::number(i) + "=v");
    parsed = parseAuthChallenges(QByteArrayList {"X " + params.join(", ") + ", Basic realm=y"});
    QCOMPARE(parsed.error, ProxyAuthError::NoError);
    QCOMPARE(parsed.challenges.size(), 2);
    params.append("one=more");
    parsed = parseAuthChallenges(QByteArrayList {"X " + params.join(", ") + ", Basic realm=y"});
    QCOMPARE(parsed.error, ProxyAuthError::TooManyParameters);
    QCOMPARE(describe(parsed), QByteArray("Basic[realm=y]"));
}

void tst_ProxyAuth::basic_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("utf8");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<ProxyAuthError>("error");

    QTest::addRow("RFC 7617 §2 example")
        << QStringLiteral("Aladdin") << QStringLiteral("open sesame") << false
        << QByteArray("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") << ProxyAuthError::NoError;
    QTest::addRow("RFC 7617 §2.1 charset example")
        << QStringLiteral("test") << QStringLiteral("123\u00a3") << true
        << QByteArray("Basic dGVzdDoxMjPCow==") << ProxyAuthError::NoError;
    // NFC only with charset="UTF-8": "e" + U+0301 becomes U+00E9.
    QTest::addRow("NFC with charset")
        << QStringLiteral("e\u0301") << QStringLiteral("p") << true
        << QByteArray("Basic " + QByteArray("\xc3\xa9:p").toBase64()) << ProxyAuthError::NoError;
    QTest::addRow("no NFC without charset")
        << QStringLiteral("e\u0301") << QStringLiteral("p") << false
        << QByteArray("Basic " + QByteArray("e\xcc\x81:p").toBase64()) << ProxyAuthError::NoError;
    QTest::addRow("colon in password is fine")
        << QStringLiteral("u") << QStringLiteral("a:b") << false << QByteArray("Basic dTphOmI=")
        << ProxyAuthError::NoError;
    QTest::addRow("colon in user-id") << QStringLiteral("dom:user") << QStringLiteral("p") << false
                                      << QByteArray() << ProxyAuthError::InvalidCredentials;
    QTest::addRow("control in password") << QStringLiteral("u") << QStringLiteral("a\nb") << false
                                         << QByteArray() << ProxyAuthError::InvalidCredentials;
    QTest::addRow("DEL in user") << QStringLiteral("u\x7f") << QStringLiteral("p") << false
                                 << QByteArray() << ProxyAuthError::InvalidCredentials;
}

void tst_ProxyAuth::basic()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(bool, utf8);
    QFETCH(QByteArray, expected);
    QFETCH(ProxyAuthError, error);

    const AuthorizationResult r = basicAuthorization({user, password}, utf8);
    QCOMPARE(r.error, error);
    QCOMPARE(r.value, expected);
    QCOMPARE(r.isValid(), error == ProxyAuthError::NoError);
    QCOMPARE(r.errorString.isEmpty(), r.isValid());
}

void tst_ProxyAuth::digestVectors_data()
{
    QTest::addColumn<QByteArray>("challenge");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("uri");
    QTest::addColumn<QByteArray>("cnonce");
    QTest::addColumn<quint32>("nc");
    QTest::addColumn<QByteArray>("response");

    const QByteArray rfc2617 = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                               "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                               "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    // Published vectors.
    QTest::addRow("RFC 7616 §3.9.1 SHA-256")
        << rfc7616Challenge("SHA-256") << QStringLiteral("Circle of Life") << QByteArray("GET")
        << QByteArray("/dir/index.html") << Rfc7616Cnonce << 1u
        << QByteArray("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    QTest::addRow("RFC 7616 §3.9.1 MD5")
        << rfc7616Challenge("MD5") << QStringLiteral("Circle of Life") << QByteArray("GET")
        << QByteArray("/dir/index.html") << Rfc7616Cnonce << 1u
        << QByteArray("8ca523f5e9506fed4657c9700eebdbec");
    QTest::addRow("RFC 2617 §3.5")
        << rfc2617 << QStringLiteral("Circle Of Life") << QByteArray("GET")
        << QByteArray("/dir/index.html") << QByteArray("0a4f113b") << 1u
        << QByteArray("6629fae49393a05397450978507c4ef1");
    // Computed independently with Python's hashlib from the RFC 7616 §3.4 formulas.
    QTest::addRow("RFC 2069 form (no qop)")
        << QByteArray("Digest realm=\"testrealm@host.com\", "
                      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"")
        << QStringLiteral("Circle Of Life") << QByteArray("GET") << QByteArray("/dir/index.html")
        << QByteArray("ignored") << 1u << QByteArray("670fd8c2df070c60b045671b8b24ff02");
    QTest::addRow("MD5-sess") << rfc7616Challenge("MD5-sess") << QStringLiteral("Circle of Life")
                              << QByteArray("GET") << QByteArray("/dir/index.html") << Rfc7616Cnonce
                              << 1u << QByteArray("e783283f46242139c486a698fec7211d");
    QTest::addRow("SHA-256-sess")
        << rfc7616Challenge("sha-256-SESS") << QStringLiteral("Circle of Life") << QByteArray("GET")
        << QByteArray("/dir/index.html") << Rfc7616Cnonce << 1u
        << QByteArray("2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7");
    QTest::addRow("CONNECT authority-form, nc 2")
        << rfc7616Challenge("SHA-256") << QStringLiteral("Circle of Life") << QByteArray("CONNECT")
        << QByteArray("example.org:443") << Rfc7616Cnonce << 2u
        << QByteArray("d8b2da19c1780f456cf6b8c452072b3ce29e8f01278877371be7d4b86ba80c79");
}

void tst_ProxyAuth::digestVectors()
{
    QFETCH(QByteArray, challenge);
    QFETCH(QString, password);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, uri);
    QFETCH(QByteArray, cnonce);
    QFETCH(quint32, nc);
    QFETCH(QByteArray, response);

    const AuthChallenges parsed = parseAuthChallenges(QByteArrayList {challenge});
    QCOMPARE(parsed.challenges.size(), 1);
    ProxyAuthError error = ProxyAuthError::NoError;
    QString message;
    const auto digest = DigestChallenge::fromChallenge(parsed.challenges.first(), &error, &message);
    QVERIFY2(digest, qPrintable(message));
    const AuthorizationResult r = digestAuthorization(
        *digest, {QStringLiteral("Mufasa"), password}, {method, uri, cnonce, nc});
    QVERIFY2(r.isValid(), qPrintable(r.errorString));

    const AuthChallenge sent = parseCredentials(r.value);
    QCOMPARE(sent.scheme, AuthScheme::Digest);
    QCOMPARE(sent.parameter("response"), response);
    QCOMPARE(sent.parameter("username"), QByteArray("Mufasa"));
    QCOMPARE(sent.parameter("uri"), uri);
    QCOMPARE(sent.parameter("nonce"), digest->nonce);
    QCOMPARE(sent.parameter("opaque"), digest->opaque); // echoed
    QCOMPARE(sent.parameter("algorithm"), digest->algorithmToken); // echoed as spelled
    if (digest->qopAuth) {
        QCOMPARE(sent.parameter("qop"), QByteArray("auth"));
        QCOMPARE(sent.parameter("cnonce"), cnonce);
        QCOMPARE(sent.parameter("nc"), QByteArray::number(nc, 16).rightJustified(8, '0'));
    } else {
        QVERIFY(!sent.hasParameter("qop"));
        QVERIFY(!sent.hasParameter("cnonce"));
        QVERIFY(!sent.hasParameter("nc"));
    }
    if (qstrcmp(QTest::currentDataTag(), "RFC 7616 §3.9.1 SHA-256") == 0) {
        // The whole value, in the order and quoting of the RFC's example.
        QCOMPARE(r.value,
            QByteArray("Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
                       "uri=\"/dir/index.html\", "
                       "algorithm=SHA-256, nonce=\""
                + Rfc7616Nonce + "\", nc=00000001, cnonce=\"" + Rfc7616Cnonce
                + "\", qop=auth, response=\"" + response + "\", opaque=\"" + Rfc7616Opaque + "\""));
    }
}

void tst_ProxyAuth::digestChallenge_data()
{
    QTest::addColumn<QByteArray>("challenge");
    QTest::addColumn<ProxyAuthError>("error");
    QTest::addColumn<bool>("stale");
    QTest::addColumn<bool>("userhash");
    QTest::addColumn<bool>("utf8");

    const auto ok = ProxyAuthError::NoError;
    QTest::addRow("minimal") << QByteArray("Digest realm=r, nonce=n") << ok << false << false
                             << false;
    QTest::addRow("stale=TRUE") << QByteArray("Digest realm=r, nonce=n, stale=TRUE") << ok << true
                                << false << false;
    QTest::addRow("stale=false") << QByteArray("Digest realm=r, nonce=n, stale=false") << ok
                                 << false << false << false;
    QTest::addRow("userhash, charset") << QByteArray("Digest realm=r, nonce=n, userhash=true, "
                                                     "charset=utf-8")
                                       << ok << false << true << true;
    QTest::addRow("qop with unknown options") << QByteArray("Digest realm=r, nonce=n, "
                                                            "qop=\"x-new, auth\"")
                                              << ok << false << false << false;
    QTest::addRow("no realm") << QByteArray("Digest nonce=n")
                              << ProxyAuthError::InvalidDigestChallenge << false << false << false;
    QTest::addRow("no nonce") << QByteArray("Digest realm=r")
                              << ProxyAuthError::InvalidDigestChallenge << false << false << false;
    QTest::addRow("empty nonce") << QByteArray("Digest realm=r, nonce=\"\"")
                                 << ProxyAuthError::InvalidDigestChallenge << false << false
                                 << false;
    QTest::addRow("RFC 7616 §3.9.2 SHA-512-256")
        << QByteArray("Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, "
                      "nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", "
                      "opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, "
                      "userhash=true")
        << ProxyAuthError::UnsupportedAlgorithm << false << false << false;
    QTest::addRow("auth-int only") << QByteArray("Digest realm=r, nonce=n, qop=\"auth-int\"")
                                   << ProxyAuthError::UnsupportedQop << false << false << false;
    QTest::addRow("empty qop") << QByteArray("Digest realm=r, nonce=n, qop=\"\"")
                               << ProxyAuthError::UnsupportedQop << false << false << false;
    QTest::addRow("-sess without qop")
        << QByteArray("Digest realm=r, nonce=n, algorithm=MD5-sess")
        << ProxyAuthError::InvalidDigestChallenge << false << false << false;
}

void tst_ProxyAuth::digestChallenge()
{
    QFETCH(QByteArray, challenge);
    QFETCH(ProxyAuthError, error);
    QFETCH(bool, stale);
    QFETCH(bool, userhash);
    QFETCH(bool, utf8);

    const AuthChallenges parsed = parseAuthChallenges(QByteArrayList {challenge});
    QCOMPARE(parsed.challenges.size(), 1);
    ProxyAuthError e = ProxyAuthError::NoError;
    QString message;
    const auto digest = DigestChallenge::fromChallenge(parsed.challenges.first(), &e, &message);
    QCOMPARE(e, error);
    QCOMPARE(digest.has_value(), error == ProxyAuthError::NoError);
    QCOMPARE(message.isEmpty(), error == ProxyAuthError::NoError);
    if (digest) {
        QCOMPARE(digest->stale, stale);
        QCOMPARE(digest->userhash, userhash);
        QCOMPARE(digest->utf8, utf8);
    }
}

void tst_ProxyAuth::digestUserhashAndCharset()
{
    ProxyAuthError e = ProxyAuthError::NoError;
    QString message;
    // RFC 7616 §3.4.4 userhash: H(username ":" realm); value computed with Python's hashlib.
    auto parsed
        = parseAuthChallenges(QByteArrayList {rfc7616Challenge("SHA-256") + ", userhash=true"});
    auto digest = DigestChallenge::fromChallenge(parsed.challenges.first(), &e, &message);
    QVERIFY(digest);
    AuthorizationResult r
        = digestAuthorization(*digest, {QStringLiteral("Mufasa"), QStringLiteral("Circle of Life")},
            {"GET", "/dir/index.html", Rfc7616Cnonce, 1});
    AuthChallenge sent = parseCredentials(r.value);
    QCOMPARE(sent.parameter("username"),
        QByteArray("a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"));
    QCOMPARE(sent.parameter("userhash"), QByteArray("true"));
    // The response still uses the user name itself (same as without userhash).
    QCOMPARE(sent.parameter("response"),
        QByteArray("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));

    // RFC 7616 §3.9.2: a non-ASCII user name with charset=UTF-8 goes as username* (RFC 5987).
    parsed = parseAuthChallenges(QByteArrayList {rfc7616Challenge("SHA-256") + ", charset=UTF-8"});
    digest = DigestChallenge::fromChallenge(parsed.challenges.first(), &e, &message);
    QVERIFY(digest);
    r = digestAuthorization(*digest, {QStringLiteral("J\u00e4s\u00f8n Doe"), QStringLiteral("x")},
        {"GET", "/", "c", 1});
    QVERIFY2(r.value.startsWith("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "), r.value);
    // NFC: the decomposed spelling gives the same response.
    const AuthorizationResult decomposed = digestAuthorization(*digest,
        {QStringLiteral("Ja\u0308s\u00f8n Doe"), QStringLiteral("x")}, {"GET", "/", "c", 1});
    QCOMPARE(parseCredentials(decomposed.value).parameter("response"),
        parseCredentials(r.value).parameter("response"));

    // Quotes and backslashes in echoed values are escaped; control characters are refused.
    parsed = parseAuthChallenges(QByteArrayList {"Digest realm=\"a\\\"b\", nonce=\"n\\\\\""});
    digest = DigestChallenge::fromChallenge(parsed.challenges.first(), &e, &message);
    QVERIFY(digest);
    r = digestAuthorization(
        *digest, {QStringLiteral("u"), QStringLiteral("p")}, {"GET", "/", "", 1});
    QVERIFY2(r.value.contains("realm=\"a\\\"b\""), r.value);
    QCOMPARE(parseCredentials(r.value).parameter("nonce"), QByteArray("n\\"));
    r = digestAuthorization(
        *digest, {QStringLiteral("u\r\n"), QStringLiteral("p")}, {"GET", "/", "", 1});
    QCOMPARE(r.error, ProxyAuthError::InvalidCredentials);
    r = digestAuthorization(
        *digest, {QStringLiteral("u"), QStringLiteral("p")}, {"GET", "/\r\nX: y", "", 1});
    QCOMPARE(r.error, ProxyAuthError::InvalidCredentials);
    // A generated cnonce: 32 hex digits, different each time.
    QCOMPARE(generateDigestCnonce().size(), 32);
    QVERIFY(generateDigestCnonce() != generateDigestCnonce());
}

void tst_ProxyAuth::ntlmNegotiate()
{
    // MS-NLMP §2.2.1.1: signature, type 1, flags 0x00088207 (Unicode, OEM, request target, NTLM,
    // always sign, extended session security), empty domain and workstation fields.
    QCOMPARE(ntlmNegotiateMessage().toHex(),
        QByteArray("4e544c4d53535000"
                   "01000000"
                   "07820800"
                   "0000000020000000"
                   "0000000020000000"));
    QCOMPARE(ntlmNegotiateMessage().size(), 32);
}

void tst_ProxyAuth::ntlmSpecVectors()
{
    // MS-NLMP §4.2.4 (NTLMv2 authentication): User "User", UserDom "Domain", Passwd "Password",
    // ServerChallenge 0123456789abcdef, ClientChallenge aa*8, Time 0.
    const QByteArray key
        = ntlmV2Hash(QStringLiteral("User"), QStringLiteral("Domain"), QStringLiteral("Password"));
    QCOMPARE(key.toHex(), QByteArray("0c868a403bfd7a93a3001ef22ef02e3f")); // §4.2.4.1.1
    const QByteArray server = QByteArray::fromHex("0123456789abcdef");
    const QByteArray client(8, '\xaa');
    QCOMPARE(ntlmLmV2Response(key, server, client).toHex(), // §4.2.4.2.1
        QByteArray("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"));
    const QByteArray nt = ntlmV2Response(key, server, client, 0, SpecTargetInfo);
    QCOMPARE(nt.first(16).toHex(), QByteArray("68cd0ab851e51c96aabc927bebef6a1c")); // §4.2.4.2.2
    // temp (§3.3.2): 0101, Z(6), Time, ClientChallenge, Z(4), AV pairs, Z(4).
    QCOMPARE(nt.mid(16).toHex(),
        "0101000000000000"
        "0000000000000000"
        "aaaaaaaaaaaaaaaa"
        "00000000"
            + SpecTargetInfo.toHex() + "00000000");
    // §4.2.4.1.2 SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr).
    QCOMPARE(QMessageAuthenticationCode::hash(nt.first(16), key, QCryptographicHash::Md5).toHex(),
        QByteArray("8de40ccadbc14a82f15cb0ad0de95ca3"));
}

void tst_ProxyAuth::ntlmAuthenticateFromSpecChallenge()
{
    QString error;
    const auto challenge = parseNtlmChallenge(SpecChallenge, &error);
    QVERIFY2(challenge, qPrintable(error));
    QCOMPARE(challenge->flags, 0xe28a8233u);
    QCOMPARE(challenge->serverChallenge.toHex(), QByteArray("0123456789abcdef"));
    QCOMPARE(challenge->targetName, utf16(QStringLiteral("Server")));
    QCOMPARE(challenge->targetInfo, SpecTargetInfo);
    QVERIFY(!challenge->timestamp);
    QCOMPARE(challenge->message, SpecChallenge);

    NtlmAuthenticateInput input;
    input.user = QStringLiteral("User");
    input.domain = QStringLiteral("Domain");
    input.password = QStringLiteral("Password");
    input.workstation = QStringLiteral("COMPUTER");
    input.clientChallenge = QByteArray(8, '\xaa');
    input.timestamp = 0;
    const QByteArray m = ntlmAuthenticateMessage(*challenge, input);
    QVERIFY(m.startsWith(QByteArray("NTLMSSP\0\3\0\0\0", 12)));
    QCOMPARE(field(m, 12).toHex(), QByteArray("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"));
    const QByteArray nt = field(m, 20);
    QCOMPARE(nt.first(16).toHex(), QByteArray("68cd0ab851e51c96aabc927bebef6a1c"));
    QCOMPARE(nt.size(), 16 + 28 + SpecTargetInfo.size() + 4);
    QCOMPARE(field(m, 28), utf16(QStringLiteral("Domain")));
    QCOMPARE(field(m, 36), utf16(QStringLiteral("User")));
    QCOMPARE(field(m, 44), utf16(QStringLiteral("COMPUTER")));
    QCOMPARE(field(m, 52), QByteArray()); // no key exchange
    // Negotiated: Unicode, NTLM, always sign, extended session security.
    QCOMPARE(qFromLittleEndian<quint32>(m.constData() + 60), 0x00088201u);
    QCOMPARE(m.mid(64, 24), QByteArray(24, '\0')); // Version, and no MIC without a timestamp
    QCOMPARE(qFromLittleEndian<quint32>(m.constData() + 16), 88u); // payload after the header
}

void tst_ProxyAuth::ntlmServerTimestampAddsMic()
{
    // The spec challenge with an MsvAvTimestamp before MsvAvEOL (MS-NLMP §3.1.5.1.2: send Z(24)
    // as LM response, flag the MIC in MsvAvFlags, add the MIC).
    QByteArray info = SpecTargetInfo.chopped(4);
    info += QByteArray::fromHex("07000800") + QByteArray::fromHex("0102030405060708");
    info += QByteArray(4, '\0');
    QByteArray message = SpecChallenge.left(0x44);
    message += info;
    qToLittleEndian<quint16>(quint16(info.size()), message.data() + 40);
    qToLittleEndian<quint16>(quint16(info.size()), message.data() + 42);
    QString error;
    const auto challenge = parseNtlmChallenge(message, &error);
    QVERIFY2(challenge, qPrintable(error));
    QCOMPARE(challenge->timestamp.value_or(0), 0x0807060504030201ull);

    NtlmAuthenticateInput input;
    input.user = QStringLiteral("User");
    input.domain = QStringLiteral("Domain");
    input.password = QStringLiteral("Password");
    input.clientChallenge = QByteArray(8, '\xaa');
    const QByteArray m = ntlmAuthenticateMessage(*challenge, input);
    QCOMPARE(field(m, 12), QByteArray(24, '\0'));
    const QByteArray nt = field(m, 20);
    QCOMPARE(nt.mid(24, 8).toHex(), QByteArray("0102030405060708")); // the server's time
    QVERIFY(nt.contains(QByteArray::fromHex("0600040002000000"))); // MsvAvFlags: MIC present
    // MIC = HMAC_MD5(session key, NEGOTIATE || CHALLENGE || AUTHENTICATE with a zero MIC).
    const QByteArray key = ntlmV2Hash(input.user, input.domain, input.password);
    const QByteArray sessionKey
        = QMessageAuthenticationCode::hash(nt.first(16), key, QCryptographicHash::Md5);
    QByteArray zeroed = m;
    zeroed.replace(72, 16, QByteArray(16, '\0'));
    QCOMPARE(m.mid(72, 16),
        QMessageAuthenticationCode::hash(
            ntlmNegotiateMessage() + message + zeroed, sessionKey, QCryptographicHash::Md5));
}

void tst_ProxyAuth::ntlmChallengeErrors_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("quoted");

    auto patched = [](QByteArray m, int at, quint32 value) {
        qToLittleEndian<quint32>(value, m.data() + at);
        return m;
    };
    auto patched16 = [](QByteArray m, int at, quint16 value) {
        qToLittleEndian<quint16>(value, m.data() + at);
        return m;
    };
    QTest::addRow("empty") << QByteArray() << QStringLiteral("shorter than");
    QTest::addRow("31 bytes") << SpecChallenge.left(31) << QStringLiteral("31 bytes");
    QTest::addRow("bad signature")
        << QByteArray("NTLMSSQ" + SpecChallenge.mid(7)) << QStringLiteral("NTLMSSP");
    QTest::addRow("type 1") << patched(SpecChallenge, 8, 1) << QStringLiteral("type 1");
    QTest::addRow("type 3") << patched(SpecChallenge, 8, 3) << QStringLiteral("type 3");
    QTest::addRow("TargetInfo past the end")
        << patched16(SpecChallenge, 40, 0x100) << QStringLiteral("TargetInfo");
    QTest::addRow("TargetInfo flag, 40 bytes") << patched(patched(SpecChallenge.left(40), 12, 0),
        16, 0) << QStringLiteral("only 40 bytes");
    QTest::addRow("AV pairs without EOL")
        << challengeWithInfo(QByteArray::fromHex("0100040041004200"))
        << QStringLiteral("without MsvAvEOL");
    QTest::addRow("AV pair overruns")
        << challengeWithInfo(QByteArray::fromHex("01000900")) << QStringLiteral("overruns");
    QTest::addRow("too many AV pairs")
        << challengeWithInfo(avPairs(NtlmLimits::MaxAvPairs)) << QStringLiteral("more than 64");
    QTest::addRow("larger than the limit")
        << QByteArray(SpecChallenge + QByteArray(NtlmLimits::MaxMessageBytes, '\0'))
        << QStringLiteral("more than the 4096");
}

void tst_ProxyAuth::ntlmChallengeErrors()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, quoted);

    QString error;
    QVERIFY(!parseNtlmChallenge(message, &error));
    QVERIFY2(error.contains(quoted), qPrintable(error));

    // The limits hold exactly: one AV pair fewer parses.
    const auto atLimit
        = parseNtlmChallenge(challengeWithInfo(avPairs(NtlmLimits::MaxAvPairs - 1)), &error);
    QVERIFY2(atLimit, qPrintable(error));
    QCOMPARE(atLimit->targetInfo, avPairs(NtlmLimits::MaxAvPairs - 1));
}

void tst_ProxyAuth::ntlmTargetNameIgnored_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("serverChallenge");

    auto patched = [](QByteArray m, int at, quint32 value) {
        qToLittleEndian<quint32>(value, m.data() + at);
        return m;
    };
    const QByteArray spec = "0123456789abcdef";
    QTest::addRow("past the end") << patched(SpecChallenge, 16, 0x60) << spec;
    QTest::addRow("offset wraps") << patched(SpecChallenge, 16, 0xffffffffu) << spec;
    QTest::addRow("inside the header") << patched(SpecChallenge, 16, 4) << spec;
    // Sent by Squid 5.7's ntlm_fake_auth (Debian 12): TargetName offset 0xaaaaaaae.
    QTest::addRow("ntlm_fake_auth") << QByteArray::fromBase64(
        "TlRMTVNTUAACAAAACQAJAK6qqqoHgggAeahH6sJac9wAAAAAAAA6AFdPUktHUk9VUA==")
                                    << QByteArray("79a847eac25a73dc");
}

void tst_ProxyAuth::ntlmTargetNameIgnored()
{
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, serverChallenge);
    QString error;
    const auto challenge = parseNtlmChallenge(message, &error);
    QVERIFY2(challenge, qPrintable(error));
    QVERIFY(challenge->targetName.isEmpty());
    QCOMPARE(challenge->serverChallenge.toHex(), serverChallenge);
    NtlmAuthenticateInput input;
    input.user = QStringLiteral("u");
    input.password = QStringLiteral("p");
    QVERIFY(ntlmAuthenticateMessage(*challenge, input).startsWith("NTLMSSP"));
}

void tst_ProxyAuth::splitUser_data()
{
    QTest::addColumn<QString>("qualified");
    QTest::addColumn<QString>("domain");
    QTest::addColumn<QString>("user");
    QTest::addRow("plain") << QStringLiteral("user") << QString() << QStringLiteral("user");
    QTest::addRow("DOMAIN\\user") << QStringLiteral("CORP\\alice") << QStringLiteral("CORP")
                                  << QStringLiteral("alice");
    QTest::addRow("UPN") << QStringLiteral("alice@corp.example") << QString()
                         << QStringLiteral("alice@corp.example");
    QTest::addRow("two backslashes")
        << QStringLiteral("A\\B\\c") << QStringLiteral("A") << QStringLiteral("B\\c");
}

void tst_ProxyAuth::splitUser()
{
    QFETCH(QString, qualified);
    QFETCH(QString, domain);
    QFETCH(QString, user);
    QString d = QStringLiteral("stale"), u;
    splitNtlmUser(qualified, &d, &u);
    QCOMPARE(d, domain);
    QCOMPARE(u, user);
}

void tst_ProxyAuth::choose_data()
{
    QTest::addColumn<QByteArrayList>("fields");
    QTest::addColumn<AuthScheme>("scheme");
    QTest::addColumn<int>("index");
    QTest::addColumn<ProxyAuthError>("error");
    QTest::addColumn<QString>("quoted");

    const QByteArray md5 = "Digest realm=r, nonce=n";
    const QByteArray sha = "Digest realm=r, nonce=n, algorithm=SHA-256";
    const auto ok = ProxyAuthError::NoError;
    QTest::addRow("Digest over Basic")
        << QByteArrayList {"Basic realm=r", md5} << AuthScheme::Digest << 1 << ok << QString();
    QTest::addRow("SHA-256 first")
        << QByteArrayList {sha, md5} << AuthScheme::Digest << 0 << ok << QString();
    QTest::addRow("SHA-256 second")
        << QByteArrayList {md5, sha} << AuthScheme::Digest << 1 << ok << QString();
    QTest::addRow("SHA-256-sess over MD5")
        << QByteArrayList {md5 + ", qop=auth", sha + "-sess, qop=auth"} << AuthScheme::Digest << 1
        << ok << QString();
    QTest::addRow("Digest MD5 over NTLM")
        << QByteArrayList {"NTLM", md5} << AuthScheme::Digest << 1 << ok << QString();
    QTest::addRow("NTLM over Basic")
        << QByteArrayList {"Basic realm=r", "NTLM"} << AuthScheme::Ntlm << 1 << ok << QString();
    QTest::addRow("tie: first offered") << QByteArrayList {"Basic realm=a", "Basic realm=b"}
                                        << AuthScheme::Basic << 0 << ok << QString();
    QTest::addRow("NTLM beside Negotiate")
        << QByteArrayList {"Negotiate", "NTLM"} << AuthScheme::Ntlm << 1 << ok << QString();
    QTest::addRow("invalid Digest, Basic") << QByteArrayList {"Digest realm=r", "Basic realm=r"}
                                           << AuthScheme::Basic << 1 << ok << QString();
    QTest::addRow("SHA-512-256 skipped") << QByteArrayList {"Digest realm=r, nonce=n, "
                                                            "algorithm=SHA-512-256",
        md5} << AuthScheme::Digest << 1 << ok
                                         << QString();
    // Rainy
    QTest::addRow("Negotiate only")
        << QByteArrayList {"Negotiate"} << AuthScheme::Unknown << -1
        << ProxyAuthError::UnsupportedScheme << QStringLiteral("GSSAPI");
    QTest::addRow("Negotiate token only")
        << QByteArrayList {"Negotiate YIIB=="} << AuthScheme::Unknown << -1
        << ProxyAuthError::UnsupportedScheme << QStringLiteral("Kerberos");
    QTest::addRow("unknown only") << QByteArrayList {"Bearer realm=x", "Mutual"}
                                  << AuthScheme::Unknown << -1 << ProxyAuthError::UnsupportedScheme
                                  << QStringLiteral("Bearer, Mutual");
    QTest::addRow("SHA-512-256 only")
        << QByteArrayList {"Digest realm=r, nonce=n, "
                           "algorithm=SHA-512-256"}
        << AuthScheme::Unknown << -1 << ProxyAuthError::UnsupportedAlgorithm
        << QStringLiteral("SHA-512-256");
    QTest::addRow("auth-int and Negotiate")
        << QByteArrayList {md5 + ", qop=auth-int", "Negotiate"} << AuthScheme::Unknown << -1
        << ProxyAuthError::UnsupportedQop
        << QStringLiteral("auth-int); the proxy offers Negotiate");
    QTest::addRow("no challenge") << QByteArrayList {} << AuthScheme::Unknown << -1
                                  << ProxyAuthError::NoChallenge << QStringLiteral("no usable");
    QTest::addRow("malformed only")
        << QByteArrayList {"Basic realm=\""} << AuthScheme::Unknown << -1
        << ProxyAuthError::MalformedChallenge << QStringLiteral("unterminated");
}

void tst_ProxyAuth::choose()
{
    QFETCH(QByteArrayList, fields);
    QFETCH(AuthScheme, scheme);
    QFETCH(int, index);
    QFETCH(ProxyAuthError, error);
    QFETCH(QString, quoted);

    const AuthChoice choice = chooseAuthChallenge(parseAuthChallenges(fields));
    QCOMPARE(choice.error, error);
    QCOMPARE(choice.isValid(), index >= 0);
    QCOMPARE(choice.index, qsizetype(index));
    if (choice.isValid()) {
        QCOMPARE(choice.scheme, scheme);
        QCOMPARE(choice.digest.has_value(), scheme == AuthScheme::Digest);
    }
    QVERIFY2(choice.errorString.contains(quoted), qPrintable(choice.errorString));
}

void tst_ProxyAuth::basicRejectedTwice()
{
    ProxyAuthenticator auth({QStringLiteral("alice"), QStringLiteral("secret")});
    const HttpResponseHead challenge = response407({"Basic realm=\"corp\""});
    auto d = auth.handleChallenge(challenge, "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::Retry);
    QCOMPARE(d.authorization, QByteArray("Basic YWxpY2U6c2VjcmV0"));
    QCOMPARE(d.scheme, AuthScheme::Basic);
    QCOMPARE(d.realm, QStringLiteral("corp"));
    QVERIFY(!d.connectionBound);
    QCOMPARE(auth.rounds(), 1);
    // A later request through the same proxy sends them without waiting for a 407.
    QCOMPARE(auth.authorizationFor("GET", "http://example.org/"), d.authorization);

    d = auth.handleChallenge(challenge, "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::PromptForCredentials);
    QCOMPARE(d.error, ProxyAuthError::CredentialsRejected);
    QVERIFY(d.errorString.contains(QLatin1String("alice")));
    QVERIFY(auth.credentials().isEmpty());
    d = auth.provideCredentials({QStringLiteral("alice"), QStringLiteral("secret")});
    QCOMPARE(d.action, Action::Retry);
    d = auth.handleChallenge(challenge, "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::Fail);
    QCOMPARE(d.error, ProxyAuthError::CredentialsRejected);
    QVERIFY2(d.errorString.contains(QLatin1String("twice")), qPrintable(d.errorString));
}

void tst_ProxyAuth::promptWithoutCredentials()
{
    ProxyAuthenticator auth;
    auto d = auth.handleChallenge(response407({"Digest realm=\"Squid\", nonce=\"n\", qop=auth"}),
        "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::PromptForCredentials);
    QCOMPARE(d.error, ProxyAuthError::NoError);
    QCOMPARE(d.scheme, AuthScheme::Digest);
    QCOMPARE(d.realm, QStringLiteral("Squid"));
    QCOMPARE(auth.rounds(), 0);
    QVERIFY(auth.authorizationFor("CONNECT", "example.org:443").isEmpty());
    d = auth.provideCredentials({});
    QCOMPARE(d.action, Action::Fail);
    QCOMPARE(d.error, ProxyAuthError::MissingCredentials);
    QVERIFY2(d.errorString.contains(QLatin1String("realm \"Squid\"")), qPrintable(d.errorString));

    // provideCredentials() without a pending prompt changes nothing.
    ProxyAuthenticator idle;
    QCOMPARE(
        idle.provideCredentials({QStringLiteral("u"), QStringLiteral("p")}).action, Action::Fail);
    QCOMPARE(idle.rounds(), 0);
}

void tst_ProxyAuth::newCredentialsAfterRejection()
{
    ProxyAuthenticator auth({QStringLiteral("alice"), QStringLiteral("wrong")});
    const HttpResponseHead challenge = response407({"Basic realm=\"corp\", charset=\"UTF-8\""});
    QCOMPARE(auth.handleChallenge(challenge, "CONNECT", "h:443").action, Action::Retry);
    QCOMPARE(
        auth.handleChallenge(challenge, "CONNECT", "h:443").action, Action::PromptForCredentials);
    const auto d = auth.provideCredentials({QStringLiteral("alice"), QStringLiteral("right")});
    QCOMPARE(d.action, Action::Retry);
    QCOMPARE(d.authorization, QByteArray("Basic " + QByteArray("alice:right").toBase64()));
    QCOMPARE(auth.credentials().password, QStringLiteral("right"));
    QCOMPARE(auth.rounds(), 2);
}

void tst_ProxyAuth::digestStaleIsNotARejection()
{
    ProxyAuthenticator auth({QStringLiteral("Mufasa"), QStringLiteral("Circle of Life")});
    auto d = auth.handleChallenge(
        response407({"Digest realm=r, nonce=\"A\", qop=auth"}), "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::Retry);
    AuthChallenge sent = parseCredentials(d.authorization);
    QCOMPARE(sent.parameter("nonce"), QByteArray("A"));
    QCOMPARE(sent.parameter("uri"), QByteArray("example.org:443"));

    // RFC 7616 §3.3 stale=true: same credentials, new nonce, nonce count starts again.
    d = auth.handleChallenge(response407({"Digest realm=r, nonce=\"B\", qop=auth, stale=TRUE"}),
        "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::Retry);
    QCOMPARE(d.error, ProxyAuthError::NoError);
    sent = parseCredentials(d.authorization);
    QCOMPARE(sent.parameter("nonce"), QByteArray("B"));
    QCOMPARE(sent.parameter("nc"), QByteArray("00000001"));
    QCOMPARE(auth.credentials().user, QStringLiteral("Mufasa"));

    // Without stale, a new nonce after our answer is a rejection.
    d = auth.handleChallenge(
        response407({"Digest realm=r, nonce=\"C\", qop=auth"}), "CONNECT", "example.org:443");
    QCOMPARE(d.action, Action::PromptForCredentials);
    QCOMPARE(d.error, ProxyAuthError::CredentialsRejected);
}

void tst_ProxyAuth::digestNonceCount()
{
    ProxyAuthenticator auth({QStringLiteral("Mufasa"), QStringLiteral("Circle of Life")});
    const QByteArray challenge = rfc7616Challenge("SHA-256");
    auto d = auth.handleChallenge(response407({challenge}), "GET", "/dir/index.html");
    QCOMPARE(d.action, Action::Retry);
    QCOMPARE(parseCredentials(d.authorization).parameter("nc"), QByteArray("00000001"));
    const QByteArray second = auth.authorizationFor("GET", "/dir/index.html");
    const QByteArray third = auth.authorizationFor("CONNECT", "example.org:443");
    const AuthChallenge s2 = parseCredentials(second);
    const AuthChallenge s3 = parseCredentials(third);
    QCOMPARE(s2.parameter("nc"), QByteArray("00000002"));
    QCOMPARE(s3.parameter("nc"), QByteArray("00000003"));
    QVERIFY(s2.parameter("cnonce") != s3.parameter("cnonce")); // fresh each time
    QCOMPARE(auth.rounds(), 1); // preemptive requests are not rounds

    // The response is right for the cnonce that was generated.
    ProxyAuthError e = ProxyAuthError::NoError;
    QString message;
    const auto digest = DigestChallenge::fromChallenge(
        parseAuthChallenges(QByteArrayList {challenge}).challenges.first(), &e, &message);
    const AuthorizationResult expected = digestAuthorization(
        *digest, auth.credentials(), {"CONNECT", "example.org:443", s3.parameter("cnonce"), 3});
    QCOMPARE(third, expected.value);
}

void tst_ProxyAuth::roundsAreBounded()
{
    // A proxy that keeps answering stale=true: every retry is a round; the 4th 407 ends it.
    ProxyAuthenticator auth({QStringLiteral("u"), QStringLiteral("p")});
    for (int round = 1; round <= ProxyAuthenticator::DefaultMaxRounds; ++round) {
        const auto d = auth.handleChallenge(
            response407({"Digest realm=r, stale=true, nonce=n" + QByteArray::number(round)}),
            "CONNECT", "h:443");
        QCOMPARE(d.action, Action::Retry);
        QCOMPARE(auth.rounds(), round);
    }
    const auto d = auth.handleChallenge(
        response407({"Digest realm=r, stale=true, nonce=x"}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Fail);
    QCOMPARE(d.error, ProxyAuthError::TooManyRounds);
    QVERIFY2(d.errorString.contains(QLatin1String("3 authentication rounds")),
        qPrintable(d.errorString));

    ProxyAuthenticator one({QStringLiteral("u"), QStringLiteral("p")}, 1);
    QCOMPARE(one.maxRounds(), 1);
    QCOMPARE(one.handleChallenge(response407({"Basic realm=r"}), "CONNECT", "h:443").action,
        Action::Retry);
    QCOMPARE(one.handleChallenge(response407({"Basic realm=r"}), "CONNECT", "h:443").error,
        ProxyAuthError::TooManyRounds);
}

void tst_ProxyAuth::ntlmHandshake()
{
    ProxyAuthenticator auth({QStringLiteral("Domain\\User"), QStringLiteral("Password")});
    auto d = auth.handleChallenge(response407({"NTLM", "Basic realm=r"}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Retry);
    QCOMPARE(d.scheme, AuthScheme::Ntlm);
    QVERIFY(d.connectionBound);
    QCOMPARE(d.authorization, QByteArray("NTLM " + ntlmNegotiateMessage().toBase64()));
    QVERIFY(auth.authorizationFor("CONNECT", "h:443").isEmpty()); // NTLM binds a connection

    d = auth.handleChallenge(
        response407({QByteArray("NTLM " + SpecChallenge.toBase64())}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Retry);
    QVERIFY(d.connectionBound);
    QVERIFY(d.authorization.startsWith("NTLM "));
    const QByteArray type3 = QByteArray::fromBase64(d.authorization.mid(5));
    QCOMPARE(field(type3, 28), utf16(QStringLiteral("Domain")));
    QCOMPARE(field(type3, 36), utf16(QStringLiteral("User")));
    // The NTLMv2 response checks out for the client challenge and time inside it.
    const QByteArray nt = field(type3, 20);
    const QByteArray key
        = ntlmV2Hash(QStringLiteral("User"), QStringLiteral("Domain"), QStringLiteral("Password"));
    const quint64 time = qFromLittleEndian<quint64>(nt.constData() + 24);
    QCOMPARE(nt,
        ntlmV2Response(
            key, QByteArray::fromHex("0123456789abcdef"), nt.mid(32, 8), time, SpecTargetInfo));
    QCOMPARE(auth.rounds(), 1); // one handshake, one round

    d = auth.handleChallenge(response407({"NTLM"}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::PromptForCredentials);
    QCOMPARE(d.error, ProxyAuthError::CredentialsRejected);
}

void tst_ProxyAuth::ntlmConnectionReset()
{
    ProxyAuthenticator auth({QStringLiteral("User"), QStringLiteral("Password")});
    QCOMPARE(auth.handleChallenge(response407({"NTLM"}), "CONNECT", "h:443").action, Action::Retry);
    // The proxy closed the connection instead of sending its challenge: start over on the new one.
    auth.connectionReset();
    auto d = auth.handleChallenge(response407({"NTLM"}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Retry);
    QCOMPARE(d.authorization, QByteArray("NTLM " + ntlmNegotiateMessage().toBase64()));
    QCOMPARE(auth.rounds(), 2);
    d = auth.handleChallenge(
        response407({QByteArray("NTLM " + SpecChallenge.toBase64())}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Retry);
    // After a reset an authenticated connection is gone too: a 407 is a new challenge.
    auth.connectionReset();
    QCOMPARE(auth.handleChallenge(response407({"NTLM"}), "CONNECT", "h:443").action, Action::Retry);
}

void tst_ProxyAuth::ntlmMissingOrBogusType2_data()
{
    QTest::addColumn<QByteArray>("challenge");
    QTest::addColumn<QString>("quoted");
    QTest::addRow("no token") << QByteArray("NTLM") << QStringLiteral("without an NTLM challenge");
    QTest::addRow("other scheme") << QByteArray("Basic realm=r")
                                  << QStringLiteral("without an NTLM challenge");
    QTest::addRow("not base64") << QByteArray("NTLM ab-cd") << QStringLiteral("not base64");
    QTest::addRow("type 1 back") << QByteArray("NTLM " + ntlmNegotiateMessage().toBase64())
                                 << QStringLiteral("type 1");
    QTest::addRow("too large") << QByteArray("NTLM " + QByteArray(8000, 'A'))
                               << QStringLiteral("too large");
}

void tst_ProxyAuth::ntlmMissingOrBogusType2()
{
    QFETCH(QByteArray, challenge);
    QFETCH(QString, quoted);
    ProxyAuthenticator auth({QStringLiteral("User"), QStringLiteral("Password")});
    QCOMPARE(auth.handleChallenge(response407({"NTLM"}), "CONNECT", "h:443").action, Action::Retry);
    const auto d = auth.handleChallenge(response407({challenge}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Fail);
    QCOMPARE(d.error, ProxyAuthError::InvalidNtlmChallenge);
    QVERIFY2(d.errorString.contains(quoted), qPrintable(d.errorString));
}

void tst_ProxyAuth::bogusChallenges_data()
{
    QTest::addColumn<QByteArrayList>("challenges");
    QTest::addColumn<ProxyAuthError>("error");
    QTest::addRow("no Proxy-Authenticate") << QByteArrayList {} << ProxyAuthError::NoChallenge;
    QTest::addRow("empty Proxy-Authenticate") << QByteArrayList {""} << ProxyAuthError::NoChallenge;
    QTest::addRow("garbage") << QByteArrayList {"\"Basic\""} << ProxyAuthError::MalformedChallenge;
    QTest::addRow("Negotiate only")
        << QByteArrayList {"Negotiate"} << ProxyAuthError::UnsupportedScheme;
    QTest::addRow("Digest without nonce")
        << QByteArrayList {"Digest realm=r"} << ProxyAuthError::InvalidDigestChallenge;
    QTest::addRow("huge") << QByteArrayList {"Basic realm=" + QByteArray(20000, 'a')}
                          << ProxyAuthError::ChallengeTooLarge;
}

void tst_ProxyAuth::bogusChallenges()
{
    QFETCH(QByteArrayList, challenges);
    QFETCH(ProxyAuthError, error);
    ProxyAuthenticator auth({QStringLiteral("u"), QStringLiteral("p")});
    const auto d = auth.handleChallenge(response407(challenges), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Fail);
    QCOMPARE(d.error, error);
    QVERIFY(!d.errorString.isEmpty());
    QCOMPARE(auth.rounds(), 0);
}

void tst_ProxyAuth::failureIsFinal()
{
    ProxyAuthenticator auth({QStringLiteral("u:x"), QStringLiteral("p")});
    auto d = auth.handleChallenge(response407({"Basic realm=r"}), "CONNECT", "h:443");
    QCOMPARE(d.action, Action::Fail);
    QCOMPARE(d.error, ProxyAuthError::InvalidCredentials);
    // Even a challenge it could answer now gets the same failure.
    d = auth.handleChallenge(response407({"Digest realm=r, nonce=n"}), "CONNECT", "h:443");
    QCOMPARE(d.error, ProxyAuthError::InvalidCredentials);
    QVERIFY(auth.authorizationFor("CONNECT", "h:443").isEmpty());
    QVERIFY(!proxyAuthErrorString(d.error).isEmpty());
}

QTEST_APPLESS_MAIN(tst_ProxyAuth)
#include "tst_proxyauth.moc"
