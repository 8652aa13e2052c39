// SPDX-License-Identifier: LGPL-3.0-or-later
// Proxy authentication: Proxy-Authenticate fields (the input split at '\n'), the choice of a
// challenge, the credentials built for it, and ProxyAuthenticator over several 407 rounds with the
// same fields (which reach the NTLM CHALLENGE_MESSAGE parser when they carry "NTLM <base64>").
// The raw input is also parsed as a CHALLENGE_MESSAGE. Byte 0 picks the credentials and method.
#include "fuzzcommon.h"

#include "protocol/proxyauth.h"

#include <QtCore/QtEndian>

using namespace QtWs::Protocol;

namespace {

// A header value we send must never break the request: no CR, LF or NUL.
bool isSafeFieldValue(const QByteArray &value)
{
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

void checkChallenges(const AuthChallenges &parsed)
{
    FUZZ_CHECK(parsed.challenges.size() <= AuthChallengeLimits::MaxChallenges);
    FUZZ_CHECK((parsed.error == ProxyAuthError::NoError) == parsed.errorString.isEmpty());
    for (const AuthChallenge &c : parsed.challenges) {
        FUZZ_CHECK(!c.schemeName.isEmpty() && isToken(c.schemeName));
        FUZZ_CHECK(c.parameters.size() <= AuthChallengeLimits::MaxParameters);
        FUZZ_CHECK(c.token68.isEmpty() || c.parameters.isEmpty());
        for (qsizetype i = 0; i < c.parameters.size(); ++i) {
            FUZZ_CHECK(c.parameters.at(i).name == c.parameters.at(i).name.toLower());
            for (qsizetype j = i + 1; j < c.parameters.size(); ++j)
                FUZZ_CHECK(c.parameters.at(i).name != c.parameters.at(j).name);
        }
    }
}

void checkNtlm(QByteArrayView raw)
{
    QString error;
    const auto challenge = parseNtlmChallenge(raw, &error);
    if (!challenge) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    FUZZ_CHECK(raw.size() <= NtlmLimits::MaxMessageBytes);
    FUZZ_CHECK(challenge->serverChallenge.size() == 8);
    FUZZ_CHECK(challenge->targetInfo.size() <= raw.size());
    NtlmAuthenticateInput input;
    input.user = QStringLiteral("User");
    input.domain = QStringLiteral("Domain");
    input.password = QStringLiteral("Password");
    input.clientChallenge = QByteArray(8, '\xaa');
    input.timestamp = 0;
    const QByteArray m = ntlmAuthenticateMessage(*challenge, input);
    FUZZ_CHECK(m.size() >= 88 && m.startsWith(QByteArrayView("NTLMSSP\0\3\0\0\0", 12)));
    // Every payload field of the AUTHENTICATE_MESSAGE lies inside it.
    for (int at = 12; at <= 52; at += 8) {
        const quint16 length = qFromLittleEndian<quint16>(m.constData() + at);
        const quint32 offset = qFromLittleEndian<quint32>(m.constData() + at + 4);
        FUZZ_CHECK(quint64(offset) + length <= quint64(m.size()));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t flags = data[0];
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const QByteArrayList fields = input.split('\n');

    const AuthChallenges parsed = parseAuthChallenges(fields);
    checkChallenges(parsed);
    const AuthChoice choice = chooseAuthChallenge(parsed);
    if (choice.isValid()) {
        FUZZ_CHECK(choice.index < parsed.challenges.size());
        FUZZ_CHECK(choice.scheme == AuthScheme::Basic || choice.scheme == AuthScheme::Digest
            || choice.scheme == AuthScheme::Ntlm);
        FUZZ_CHECK(choice.digest.has_value() == (choice.scheme == AuthScheme::Digest));
    } else {
        FUZZ_CHECK(choice.error != ProxyAuthError::NoError && !choice.errorString.isEmpty());
    }

    static const ProxyCredentials credentials[] = {
        {QStringLiteral("Mufasa"), QStringLiteral("Circle of Life")},
        {QStringLiteral("DOMAIN\\J\u00e4s\u00f8n"), QStringLiteral("p\u00e4ss")},
        {QStringLiteral("u:x"), QStringLiteral("p")}, // Basic refuses it
        {},
    };
    static const QByteArray methods[] = {"CONNECT", "GET", "OPTIONS", "CONNECT"};
    static const QByteArray targets[]
        = {"example.org:443", "ws://example.org/chat", "*", "[::1]:8080"};
    ProxyAuthenticator auth(credentials[flags & 3], 1 + (flags >> 2) % 4);
    const QByteArray &method = methods[(flags >> 4) & 3];
    const QByteArray &target = targets[(flags >> 6) & 3];
    for (int round = 0; round < 8; ++round) {
        ProxyAuthenticator::Decision d = auth.handleChallenge(parsed, method, target);
        if (d.action == ProxyAuthenticator::Action::PromptForCredentials)
            d = auth.provideCredentials(credentials[round & 1]);
        FUZZ_CHECK(auth.rounds() <= auth.maxRounds());
        if (d.action == ProxyAuthenticator::Action::Fail) {
            FUZZ_CHECK(d.error != ProxyAuthError::NoError && !d.errorString.isEmpty());
            break;
        }
        FUZZ_CHECK(!d.authorization.isEmpty() && isSafeFieldValue(d.authorization));
        FUZZ_CHECK(d.connectionBound == (d.scheme == AuthScheme::Ntlm));
        FUZZ_CHECK(isSafeFieldValue(auth.authorizationFor(method, target)));
        if (round == 3)
            auth.connectionReset();
    }
    checkNtlm(input);
    return 0;
}
