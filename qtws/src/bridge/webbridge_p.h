// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WEBBRIDGE_P_H
#define QTWS_WEBBRIDGE_P_H

#include <qtws/proxyresolver.h>
#include <qtws/webbridge.h>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QPointer>

QT_BEGIN_NAMESPACE
class QWebEngineScriptCollection;
QT_END_NAMESPACE

namespace QtWs {

class BridgeCookieJar;
class BridgeHost;
class BridgeSchemeHandler;

class WebBridgePrivate
{
    Q_DECLARE_PUBLIC(WebBridge)
public:
    explicit WebBridgePrivate(WebBridge *q);

    /*! Sends from this size on are read with runJavaScript() instead of travelling base64 on the
        channel (docs/performance.md, "Web bridge"). */
    static constexpr qsizetype InlineLimit = 16 * 1024;
    /*! Received messages from this size on are fetched from the bridge's URL scheme instead of
        travelling base64 on the channel (QTWS_BRIDGE_FETCH_THRESHOLD overrides it). */
    static constexpr qsizetype FetchThreshold = 16 * 1024;

    bool isOriginAllowedUrl(const QUrl &url) const;

    /*! What one profile shares between its pages: cookies and the URL scheme handler. */
    struct ProfileState
    {
        QPointer<BridgeCookieJar> cookies;
        QPointer<BridgeSchemeHandler> scheme; // null when the scheme is not registered
    };
    ProfileState profileState(QWebEngineProfile *profile);
    /*! The page script: qwebchannel.js and the facade, with this bridge's configuration. */
    QString scriptSource() const;
    void installScript(QWebEngineScriptCollection *scripts) const;
    void updateScripts();
    ProxyResolver *resolver() const;

    WebBridge *const q_ptr;
    QStringList allowedOrigins; // serialized
    bool replace = false;
    WebSocketOptions options;
    int maxSocketsPerPage = WebBridge::DefaultMaxSocketsPerPage;
    QPointer<ProxyResolver> proxyResolver;
    QString pullName; // the page property C++ reads large sends from; random per bridge
    QHash<QWebEngineProfile *, ProfileState> profiles;
    QList<QPointer<QWebEngineProfile>> scriptProfiles;
    QHash<QWebEnginePage *, QPointer<BridgeHost>> hosts;
};

} // namespace QtWs

#endif // QTWS_WEBBRIDGE_P_H
