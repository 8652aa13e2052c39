// SPDX-License-Identifier: LGPL-3.0-or-later
#include "webbridge_p.h"

#include "bridgecookiejar.h"
#include "bridgehost.h"
#include "bridgeschemehandler.h"
#include "browserrules.h"
#include "common/logging.h"

#include <qtws/websocket.h>

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtWebChannel/QWebChannel>
#include <QtWebEngineCore/QWebEnginePage>
#include <QtWebEngineCore/QWebEngineProfile>
#include <QtWebEngineCore/QWebEngineScript>
#include <QtWebEngineCore/QWebEngineScriptCollection>
#include <QtWebEngineCore/QWebEngineUrlScheme>

static void initResources()
{
    Q_INIT_RESOURCE(qtwswebbridge_js);
}

namespace QtWs {

namespace {
const QString ScriptName = QStringLiteral("qtws-webbridge");
const QString ChannelObjectName = QStringLiteral("qtwsBridge");
constexpr char SchemeName[] = "qtws-bridge";

QString readResource(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qCWarning(lcQtwsBridge, "cannot read %s", qUtf8Printable(path));
        return QString();
    }
    return QString::fromUtf8(file.readAll());
}
} // namespace

WebBridgePrivate::WebBridgePrivate(WebBridge *q)
    : q_ptr(q)
{
    std::array<quint32, 4> random {};
    QRandomGenerator::system()->fillRange(random.data(), random.size());
    pullName = QStringLiteral("__qtwsBridge")
        + QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(random.data()), sizeof random).toHex());
}

bool WebBridgePrivate::isOriginAllowedUrl(const QUrl &url) const
{
    return allowedOrigins.contains(BrowserRules::serializedOrigin(url));
}

ProxyResolver *WebBridgePrivate::resolver() const
{
    return proxyResolver ? proxyResolver.data() : ProxyResolver::shared();
}

WebBridgePrivate::ProfileState WebBridgePrivate::profileState(QWebEngineProfile *profile)
{
    Q_Q(WebBridge);
    ProfileState &state = profiles[profile];
    if (!state.cookies)
        state.cookies = new BridgeCookieJar(profile->cookieStore(), q);
    const QByteArray scheme(SchemeName);
    if (!state.scheme && !QWebEngineUrlScheme::schemeByName(scheme).name().isEmpty()) {
        const auto *existing = profile->urlSchemeHandler(scheme);
        if (auto *ours = qobject_cast<BridgeSchemeHandler *>(
                const_cast<QWebEngineUrlSchemeHandler *>(existing))) {
            state.scheme = ours;
        } else if (!existing) {
            state.scheme = new BridgeSchemeHandler(q);
            profile->installUrlSchemeHandler(scheme, state.scheme);
        }
    }
    return state;
}

QString WebBridgePrivate::scriptSource() const
{
    initResources();
    QJsonArray ports;
    for (int port : BrowserRules::restrictedPorts())
        ports.append(port);
    const bool scheme = !QWebEngineUrlScheme::schemeByName(SchemeName).name().isEmpty();
    const QJsonObject config {
        {QStringLiteral("allowedOrigins"), QJsonArray::fromStringList(allowedOrigins)},
        {QStringLiteral("replace"), replace},
        {QStringLiteral("version"), QStringLiteral(QTWS_VERSION_STRING)},
        {QStringLiteral("restrictedPorts"), ports},
        {QStringLiteral("pullName"), pullName},
        {QStringLiteral("inlineLimit"), double(InlineLimit)},
        {QStringLiteral("schemeAvailable"), scheme},
    };
    // One closure: qwebchannel.js's QWebChannel and the facade stay invisible to page scripts.
    return QStringLiteral("(function () {\n")
        + readResource(QStringLiteral(":/qtwebchannel/qwebchannel.js")) + QStringLiteral("\n")
        + readResource(QStringLiteral(":/qtws/bridge/js/websocket.js"))
        + QStringLiteral("\nqtwsBridge(")
        + QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))
        + QStringLiteral(", QWebChannel);\n})();\n");
}

void WebBridgePrivate::installScript(QWebEngineScriptCollection *scripts) const
{
    const QList<QWebEngineScript> old = scripts->find(ScriptName);
    for (const QWebEngineScript &s : old)
        scripts->remove(s);
    QWebEngineScript script;
    script.setName(ScriptName);
    script.setInjectionPoint(QWebEngineScript::DocumentCreation);
    script.setWorldId(QWebEngineScript::MainWorld);
    script.setRunsOnSubFrames(true);
    script.setSourceCode(scriptSource());
    scripts->insert(script);
}

void WebBridgePrivate::updateScripts()
{
    for (const auto &profile : std::as_const(scriptProfiles))
        if (profile)
            installScript(profile->scripts());
    for (auto it = hosts.cbegin(); it != hosts.cend(); ++it)
        if (it.value())
            installScript(&it.key()->scripts());
}

WebBridge::WebBridge(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<WebBridgePrivate>(this))
{
    // The header only declares these classes: queued connections and QSignalSpy need the types
    // of the signals' arguments registered by name.
    qRegisterMetaType<QtWs::WebSocket *>();
    qRegisterMetaType<QWebEnginePage *>();
}

WebBridge::~WebBridge()
{
    Q_D(WebBridge);
    const auto hosts = d->hosts;
    for (auto it = hosts.cbegin(); it != hosts.cend(); ++it)
        if (it.value())
            uninstall(it.key());
}

void WebBridge::registerUrlScheme()
{
    if (!QWebEngineUrlScheme::schemeByName(SchemeName).name().isEmpty())
        return;
    QWebEngineUrlScheme scheme(SchemeName);
    scheme.setSyntax(QWebEngineUrlScheme::Syntax::Path);
    // Secure: https pages may fetch from it; CORS-enabled: XMLHttpRequest may (fetch() may not
    // in Qt 6.4); CSP-exempt: a page's connect-src names its servers, not the bridge.
    scheme.setFlags(QWebEngineUrlScheme::SecureScheme | QWebEngineUrlScheme::CorsEnabled
        | QWebEngineUrlScheme::ContentSecurityPolicyIgnored);
    QWebEngineUrlScheme::registerScheme(scheme);
}

QByteArray WebBridge::urlSchemeName()
{
    return QByteArray(SchemeName);
}

QStringList WebBridge::allowedOrigins() const
{
    return d_func()->allowedOrigins;
}

void WebBridge::setAllowedOrigins(const QStringList &origins)
{
    Q_D(WebBridge);
    QStringList serialized;
    for (const QString &o : origins) {
        const QString s = BrowserRules::serializedOrigin(QUrl(o));
        if (s != u"null" && !serialized.contains(s))
            serialized.append(s);
    }
    if (serialized == d->allowedOrigins)
        return;
    d->allowedOrigins = serialized;
    d->updateScripts();
}

bool WebBridge::isOriginAllowed(const QUrl &origin) const
{
    return d_func()->isOriginAllowedUrl(origin);
}

bool WebBridge::replacesWebSocket() const
{
    return d_func()->replace;
}

void WebBridge::setReplaceWebSocket(bool replace)
{
    Q_D(WebBridge);
    if (d->replace == replace)
        return;
    d->replace = replace;
    d->updateScripts();
}

WebSocketOptions WebBridge::socketOptions() const
{
    return d_func()->options;
}

void WebBridge::setSocketOptions(const WebSocketOptions &options)
{
    d_func()->options = options;
}

int WebBridge::maxSocketsPerPage() const
{
    return d_func()->maxSocketsPerPage;
}

void WebBridge::setMaxSocketsPerPage(int count)
{
    d_func()->maxSocketsPerPage = qMax(1, count);
}

ProxyResolver *WebBridge::proxyResolver() const
{
    return d_func()->resolver();
}

void WebBridge::setProxyResolver(ProxyResolver *resolver)
{
    d_func()->proxyResolver = resolver;
}

void WebBridge::install(QWebEngineProfile *profile)
{
    Q_D(WebBridge);
    if (!profile || d->scriptProfiles.contains(profile))
        return;
    d->scriptProfiles.append(profile);
    d->profileState(profile);
    d->installScript(profile->scripts());
}

void WebBridge::install(QWebEnginePage *page)
{
    Q_D(WebBridge);
    if (!page || d->hosts.value(page))
        return;
    auto *host = new BridgeHost(d, page);
    d->hosts.insert(page, host);
    connect(page, &QObject::destroyed, this, [d, page] { d->hosts.remove(page); });
    QWebChannel *channel = page->webChannel();
    if (!channel) {
        channel = new QWebChannel(host);
        page->setWebChannel(channel, QWebEngineScript::MainWorld);
    }
    channel->registerObject(ChannelObjectName, host);
    if (!d->scriptProfiles.contains(page->profile()))
        d->installScript(&page->scripts());
}

void WebBridge::uninstall(QWebEnginePage *page)
{
    Q_D(WebBridge);
    BridgeHost *host = d->hosts.take(page);
    if (!host)
        return;
    const QList<QWebEngineScript> scripts = page->scripts().find(ScriptName);
    for (const QWebEngineScript &s : scripts)
        page->scripts().remove(s);
    if (QWebChannel *channel = page->webChannel()) {
        channel->deregisterObject(host);
        if (channel->parent() == host)
            page->setWebChannel(nullptr);
    }
    delete host;
}

} // namespace QtWs
