// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyreply.h"

namespace QtWs::Protocol {

namespace {

bool containsIgnoreCase(QByteArrayView haystack, QByteArrayView needle)
{
    return !needle.isEmpty()
        && haystack.toByteArray().toLower().contains(needle.toByteArray().toLower());
}

QString text(QByteArrayView s)
{
    return quoteForMessage(s, 120);
}

// "403 Forbidden, squid/5.7": the status and who sent it (Server, else Via).
QString summary(const ProxyReplyEvidence &e, const HttpResponseHead &head)
{
    QString s = QString::number(e.statusCode);
    if (!head.reasonPhrase.isEmpty())
        s += QLatin1Char(' ') + text(head.reasonPhrase);
    if (!e.server.isEmpty())
        s += QLatin1String(", ") + text(e.server);
    else if (!e.via.isEmpty())
        s += QLatin1String(", via ") + text(e.via);
    return s;
}

bool isSquid(const ProxyReplyEvidence &e)
{
    return !e.squidError.isEmpty() || containsIgnoreCase(e.server, "squid")
        || containsIgnoreCase(e.via, "squid");
}

// The port of an authority-form target ("host:443", "[::1]:443"), or -1.
int authorityPort(QByteArrayView target)
{
    const qsizetype colon = target.lastIndexOf(':');
    if (colon < 0 || target.indexOf(']', colon) >= 0)
        return -1;
    bool ok = false;
    const int port = target.sliced(colon + 1).toInt(&ok);
    return ok && port >= 0 && port <= 65535 ? port : -1;
}

QString errnoText(QByteArrayView code)
{
    // Linux errno values that Squid appends to ERR_CONNECT_FAIL.
    if (code == "111")
        return QStringLiteral("connection refused");
    if (code == "110")
        return QStringLiteral("connection timed out");
    if (code == "113")
        return QStringLiteral("no route to host");
    if (code == "101")
        return QStringLiteral("network unreachable");
    return {};
}

// What Squid's X-Squid-Error ("ERR_CONNECT_FAIL 111") says, as a phrase; empty if unknown.
QString squidDetail(const ProxyReplyEvidence &e, const QString &target)
{
    const QByteArrayList parts = e.squidError.split(' ');
    const QByteArray name = parts.value(0);
    if (name == "ERR_CONNECT_FAIL") {
        const QString why = parts.size() > 1 ? errnoText(parts.at(1)) : QString();
        return QStringLiteral("the proxy could not connect to %1%2")
            .arg(target, why.isEmpty() ? QString() : QLatin1String(": ") + why);
    }
    if (name == "ERR_DNS_FAIL")
        return QStringLiteral("the proxy could not resolve the host name of %1").arg(target);
    if (name == "ERR_CANNOT_FORWARD")
        return QStringLiteral("the proxy could not forward the request to %1").arg(target);
    if (name == "ERR_READ_TIMEOUT")
        return QStringLiteral("the proxy timed out waiting for %1").arg(target);
    if (name == "ERR_ZERO_SIZE_OBJECT")
        return QStringLiteral("%1 closed the connection without answering").arg(target);
    return {};
}

// What X-Squid-Error explains, with the status, or \a fallback.
QString squidDetailOr(const ProxyReplyEvidence &e, const QString &target, const QString &status,
    const QString &fallback)
{
    const QString detail = squidDetail(e, target);
    return detail.isEmpty() ? fallback : QStringLiteral("%1 (%2)").arg(detail, status);
}

// ": Squid reports ERR_INVALID_URL" for an X-Squid-Error, or nothing.
QString squidReports(const ProxyReplyEvidence &e)
{
    const QByteArray name = e.squidError.split(' ').value(0);
    return name.isEmpty() ? QString() : QStringLiteral(": Squid reports %1").arg(text(name));
}

// Sentences shared by both kinds of request, for the status codes that mean the same for both.
bool classifyCommon(ProxyReply &r, const QString &status, const QString &target, const char *what)
{
    const ProxyReplyEvidence &e = r.evidence;
    const QString request = QLatin1String(what);
    switch (e.statusCode) {
    case 407:
        r.outcome = e.proxyAuthenticate ? ProxyReplyOutcome::AuthenticationRequired
                                        : ProxyReplyOutcome::BogusAuthentication;
        r.reason = e.proxyAuthenticate
            ? QStringLiteral("proxy requires authentication (%1)").arg(status)
            : QStringLiteral("proxy asked for authentication without sending a "
                             "Proxy-Authenticate challenge (%1): there is no way to answer it")
                  .arg(status);
        return true;
    case 502:
        r.outcome = ProxyReplyOutcome::BadGateway;
        r.reason = QStringLiteral("proxy could not reach %1 (%2)").arg(target, status);
        return true;
    case 503:
        r.outcome = ProxyReplyOutcome::ServiceUnavailable;
        r.reason = squidDetailOr(e, target, status,
            QStringLiteral("proxy could not reach %1 or is unavailable (%2)").arg(target, status));
        return true;
    case 504:
        r.outcome = ProxyReplyOutcome::GatewayTimeout;
        r.reason = QStringLiteral("proxy timed out reaching %1 (%2)").arg(target, status);
        return true;
    default:
        break;
    }
    if (e.statusCode >= 300 && e.statusCode < 400) {
        r.outcome = ProxyReplyOutcome::Redirected;
        r.reason
            = QStringLiteral("%1 was redirected (%2%3): redirects are not followed")
                  .arg(request, status,
                      e.location.isEmpty() ? QString() : QLatin1String(", to ") + text(e.location));
        return true;
    }
    return false;
}

void classifyConnect(ProxyReply &r, const HttpResponseHead &head, QByteArrayView target)
{
    ProxyReplyEvidence &e = r.evidence;
    const QString status = summary(e, head);
    const QString where = text(target);
    const int port = authorityPort(target);
    e.generatedByProxy = e.generatedByProxy || e.statusCode < 200 || e.statusCode >= 300;
    if (e.statusCode >= 200 && e.statusCode < 300) {
        r.outcome = ProxyReplyOutcome::TunnelEstablished;
        e.framingIgnored
            = head.headers.contains("Content-Length") || head.headers.contains("Transfer-Encoding");
        r.reason = QStringLiteral("proxy opened a tunnel to %1 (%2)").arg(where, status);
        if (e.framingIgnored)
            r.reason += QStringLiteral(": its Content-Length/Transfer-Encoding is ignored, a 2xx "
                                       "to CONNECT has no body (RFC 7230 §3.3.3)");
        return;
    }
    if (classifyCommon(r, status, where, "CONNECT"))
        return;
    switch (e.statusCode) {
    case 403:
        r.outcome = ProxyReplyOutcome::Forbidden;
        r.reason = port >= 0 && port != 443
            ? QStringLiteral("proxy refused CONNECT to port %1 (%2): most proxies allow CONNECT "
                             "only to port 443")
                  .arg(port)
                  .arg(status)
            : QStringLiteral("proxy refused CONNECT to %1 (%2): its access rules deny this "
                             "destination")
                  .arg(where, status);
        return;
    case 401:
        r.outcome = ProxyReplyOutcome::OriginAuthentication;
        r.reason = QStringLiteral("got %1 to CONNECT: a proxy asks for credentials with 407, so "
                                  "this is an error, not a credentials prompt")
                       .arg(status);
        return;
    case 405:
        r.outcome = ProxyReplyOutcome::MethodNotAllowed;
        r.reason = QStringLiteral("proxy does not allow CONNECT (%1)").arg(status);
        return;
    case 501:
        r.outcome = ProxyReplyOutcome::NotImplemented;
        r.reason = QStringLiteral("proxy does not implement CONNECT (%1)").arg(status);
        return;
    case 400:
        r.outcome = ProxyReplyOutcome::BadRequest;
        r.reason = QStringLiteral("proxy rejected the CONNECT request as malformed (%1)%2")
                       .arg(status, squidReports(e));
        return;
    default:
        r.outcome = ProxyReplyOutcome::UnexpectedStatus;
        r.reason = squidDetailOr(e, where, status,
            QStringLiteral("proxy answered CONNECT to %1 with %2: no tunnel%3")
                .arg(where, status, squidReports(e)));
        return;
    }
}

void classifyUpgradeRefusal(ProxyReply &r, const QString &status, const QString &where,
    const QString &request, bool options)
{
    const ProxyReplyEvidence &e = r.evidence;
    const QString who = e.generatedByProxy ? QStringLiteral("proxy") : QStringLiteral("server");
    switch (e.statusCode) {
    case 403:
        r.outcome = ProxyReplyOutcome::Forbidden;
        r.reason = QStringLiteral("%1 refused %2 to %3 (%4)").arg(who, request, where, status);
        if (e.squidError.startsWith("ERR_ACCESS_DENIED"))
            r.reason += QStringLiteral(": its access rules deny it");
        return;
    case 401:
        r.outcome = ProxyReplyOutcome::OriginAuthentication;
        r.reason = QStringLiteral("server asks for HTTP authentication (%1)").arg(status);
        return;
    case 405:
        r.outcome = ProxyReplyOutcome::MethodNotAllowed;
        r.reason
            = QStringLiteral("%1 does not allow %2 (%3)")
                  .arg(who, options ? QStringLiteral("OPTIONS") : QStringLiteral("GET"), status);
        return;
    case 501:
        r.outcome = ProxyReplyOutcome::NotImplemented;
        r.reason = options
            ? QStringLiteral("%1 does not implement OPTIONS upgrades (%2)").arg(who, status)
            : QStringLiteral("%1 does not implement %2 (%3)").arg(who, request, status);
        return;
    case 400:
        r.outcome = ProxyReplyOutcome::BadRequest;
        r.reason = e.squidError.isEmpty()
            ? QStringLiteral("%1 rejected %2 as malformed (%3): some proxies reject requests with "
                             "\"Connection: Upgrade\"")
                  .arg(who, request, status)
            : QStringLiteral("%1 rejected %2 as malformed (%3)%4")
                  .arg(who, request, status, squidReports(e));
        return;
    default:
        r.outcome = ProxyReplyOutcome::UnexpectedStatus;
        r.reason = squidDetailOr(e, where, status,
            QStringLiteral("%1 was answered %2 instead of 101%3")
                .arg(request, status, squidReports(e)));
        return;
    }
}

void classifyUpgrade(
    ProxyReply &r, ProxyRequestKind kind, const HttpResponseHead &head, QByteArrayView target)
{
    const ProxyReplyEvidence &e = r.evidence;
    const QString status = summary(e, head);
    const QString where = text(target);
    const bool options = kind == ProxyRequestKind::OptionsUpgrade;
    const QString request
        = options ? QStringLiteral("the OPTIONS upgrade") : QStringLiteral("the upgrade request");
    if (e.statusCode == 101) {
        r.outcome = ProxyReplyOutcome::Switched;
        r.reason = QStringLiteral("%1 was answered %2").arg(request, status);
        return;
    }
    if (e.statusCode >= 200 && e.statusCode < 300) {
        r.outcome = ProxyReplyOutcome::UpgradeIgnored;
        if (e.via.isEmpty() && !e.generatedByProxy) {
            r.reason = QStringLiteral("%1 was answered %2 instead of 101: a proxy dropped the "
                                      "Upgrade header, or the server does not speak WebSocket at "
                                      "this URL")
                           .arg(request, status);
            return;
        }
        r.reason = QStringLiteral("the proxy answered %1 to %2 (%3): it dropped the Upgrade header")
                       .arg(e.statusCode)
                       .arg(request, status);
        if (isSquid(e))
            r.reason += QStringLiteral(" (Squid does unless http_upgrade_request_protocols allows "
                                       "WebSocket)");
        return;
    }
    if (classifyCommon(r, status, where, options ? "the OPTIONS upgrade" : "the upgrade request"))
        return;
    classifyUpgradeRefusal(r, status, where, request, options);
}

} // namespace

ProxyReplyEvidence proxyReplyEvidence(const HttpResponseHead &head)
{
    ProxyReplyEvidence e;
    e.statusLine = head.displayStatusLine();
    e.statusCode = head.statusCode;
    e.server = head.headers.value("Server");
    e.via = head.headers.combinedValue("Via");
    e.squidError = head.headers.value("X-Squid-Error");
    e.contentType = head.headers.value("Content-Type");
    e.location = head.headers.value("Location");
    e.proxyAuthenticate = head.headers.contains("Proxy-Authenticate");
    const QByteArray first = e.contentType.split(';').value(0);
    const QByteArrayView mediaType = trimmedOws(first);
    e.htmlBody = mediaType.compare("text/html", Qt::CaseInsensitive) == 0;
    // A Server value that Via names ("Server: squid/5.7", "Via: 1.1 host (squid/5.7)") is the
    // proxy's own answer; X-Squid-Error and Proxy-Authenticate come from proxies only.
    e.generatedByProxy = !e.squidError.isEmpty() || e.proxyAuthenticate
        || (!e.server.isEmpty() && containsIgnoreCase(e.via, e.server));
    return e;
}

ProxyReply classifyProxyReply(
    ProxyRequestKind kind, const HttpResponseHead &head, QByteArrayView target)
{
    ProxyReply r;
    r.evidence = proxyReplyEvidence(head);
    if (head.statusCode >= 100 && head.statusCode < 200 && head.statusCode != 101) {
        // RFC 7231 §6.2: an interim response; the final one follows.
        r.outcome = ProxyReplyOutcome::Interim;
        r.reason = QStringLiteral("interim response %1: the final answer follows")
                       .arg(summary(r.evidence, head));
        return r;
    }
    if (kind == ProxyRequestKind::Connect)
        classifyConnect(r, head, target);
    else
        classifyUpgrade(r, kind, head, target);
    if (!r.isValid() && r.evidence.htmlBody)
        r.reason += QStringLiteral("; the HTML page it sent is not passed to the application");
    return r;
}

ProxyReply classifyInvalidUpgrade(
    ProxyRequestKind kind, const HttpResponseHead &head, const HandshakeResult &handshake)
{
    ProxyReply r;
    r.evidence = proxyReplyEvidence(head);
    r.outcome = ProxyReplyOutcome::InvalidUpgrade;
    const QString status = summary(r.evidence, head);
    const QString request = kind == ProxyRequestKind::Connect
        ? QStringLiteral("the upgrade through the tunnel")
        : (kind == ProxyRequestKind::OptionsUpgrade ? QStringLiteral("the OPTIONS upgrade")
                                                    : QStringLiteral("the upgrade request"));
    if (handshake.error == HandshakeError::InvalidAccept
        || handshake.error == HandshakeError::MissingAccept) {
        r.reason = QStringLiteral("%1 got a 101 with %2 (%3): it did not come from the origin that "
                                  "received our key, something in between answered the upgrade "
                                  "itself")
                       .arg(request,
                           handshake.error == HandshakeError::InvalidAccept
                               ? QStringLiteral("a wrong Sec-WebSocket-Accept")
                               : QStringLiteral("no Sec-WebSocket-Accept"),
                           status);
        return r;
    }
    r.reason = QStringLiteral("%1 got an invalid 101 (%2): %3")
                   .arg(request, status, handshake.errorString);
    return r;
}

bool isConnectTunnel(const HttpResponseHead &head)
{
    // RFC 7231 §4.3.6: any 2xx to CONNECT switches the connection to tunnel mode.
    return head.statusCode >= 200 && head.statusCode < 300;
}

} // namespace QtWs::Protocol
