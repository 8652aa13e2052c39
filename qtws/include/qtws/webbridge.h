// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WEBBRIDGE_H
#define QTWS_WEBBRIDGE_H

#include <qtws/qtwswebbridge_export.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QWebEnginePage;
class QWebEngineProfile;
QT_END_NAMESPACE

namespace QtWs {

class ProxyResolver;
class WebSocket;
class WebBridgePrivate;

/*!
    \class QtWs::WebBridge
    \brief Gives Qt WebEngine pages a WHATWG \c WebSocket whose connections are made by
    QtWs::WebSocket in C++, so that unmodified web apps reach their servers through the same
    proxies, strategies and limits as the application around them.

    install() adds to a page (or to every page of a profile) a script that runs in the main world
    of every frame before any page script, and a QWebChannel object in the main world. In frames
    whose origin is in allowedOrigins() the script defines \c QtWs.WebSocket, a class with the
    interface, events and exceptions of Qt WebEngine's own \c WebSocket (Chromium 102), and, when
    replacesWebSocket() is set, makes it \c window.WebSocket. Frames of other origins get nothing:
    neither the class nor the channel transport. The page reaches only that facade: never
    credentials, proxy settings, or the sockets of other pages.

    Browser rules kept: the \c Origin header is the frame's real origin; the profile's cookies for
    the target are sent and \c Set-Cookie from the handshake is stored in the profile's
    QWebEngineCookieStore; mixed content (\c ws:// from an \c https page, loopback excepted) and
    Chromium's restricted ports are refused as Chromium refuses them; at most maxSocketsPerPage()
    sockets per page are open at once.

    Binary messages cross the process boundary without base64 where Qt allows it: a page's large
    sends are read with QWebEnginePage::runJavaScript() (an ArrayBuffer arrives as a QByteArray),
    and large received messages are fetched by the page from a URL scheme of the bridge, which
    must be registered with registerUrlScheme() before the application object exists. Without it
    large binary messages travel base64-encoded. See docs/bridge.md.

    Connections use socketOptions(): by default the user's proxy configuration decides, as for
    every QtWs::WebSocket (docs/strategies.md).

    \code
    QtWs::WebBridge::registerUrlScheme(); // in main(), before QApplication
    ...
    auto *bridge = new QtWs::WebBridge(window);
    bridge->setAllowedOrigins({QStringLiteral("https://chat.example")});
    bridge->setReplaceWebSocket(true);
    bridge->install(view->page());
    \endcode

    \since 0.2
    \sa QtWs::WebSocket, QtWs::WebSocketOptions
*/
class QTWS_WEBBRIDGE_EXPORT WebBridge : public QObject
{
    Q_OBJECT
public:
    /*! Sockets one page may have open (not yet closed) at once, as Chromium's limit per renderer. */
    static constexpr int DefaultMaxSocketsPerPage = 255;

    /*! A bridge with no allowed origin, child of \a parent; install() it into pages. */
    explicit WebBridge(QObject *parent = nullptr);
    ~WebBridge() override;
    Q_DISABLE_COPY_MOVE(WebBridge)

    /*!
        Registers the bridge's URL scheme (\c qtws-bridge) with Qt WebEngine. Call it once in
        main() before the QGuiApplication or QApplication is created, as
        QWebEngineUrlScheme::registerScheme() requires. Without it the bridge still works, with
        base64 for large received binary messages.
    */
    static void registerUrlScheme();
    /*! The name of the bridge's URL scheme. */
    static QByteArray urlSchemeName();

    /*!
        Origins (\c "https://chat.example", \c "http://127.0.0.1:8080") whose frames get the bridge.
        Empty by default: no frame gets it. Changing the list updates installed pages for their next
        document.
    */
    QStringList allowedOrigins() const;
    /*! Sets allowedOrigins() to \a origins. */
    void setAllowedOrigins(const QStringList &origins);
    /*! True when frames of \a origin (a URL; only scheme, host and port count) get the bridge. */
    bool isOriginAllowed(const QUrl &origin) const;

    /*! Whether \c window.WebSocket is replaced in allowed frames; off by default (then pages use
        \c QtWs.WebSocket explicitly). */
    bool replacesWebSocket() const;
    /*! Sets replacesWebSocket() to \a replace. */
    void setReplaceWebSocket(bool replace);

    /*!
        The options every page socket starts from (proxy, TLS, limits, timeouts, compression).
        The bridge sets the origin, the subprotocols and the cookies per socket; extra headers of
        these options are sent too.
    */
    WebSocketOptions socketOptions() const;
    /*! Sets socketOptions() to \a options. */
    void setSocketOptions(const WebSocketOptions &options);

    /*! Open sockets allowed per page; further ones fail as Chromium's do when it runs out
        (error, then close with code 1006). */
    int maxSocketsPerPage() const;
    /*! Sets maxSocketsPerPage() to \a count. */
    void setMaxSocketsPerPage(int count);

    /*! The resolver behind \c QtWs.resolveProxy(url) in pages; ProxyResolver::shared() when
        none is set. */
    ProxyResolver *proxyResolver() const;
    /*!
        Sets proxyResolver() to \a resolver (null: ProxyResolver::shared()); the bridge does not own
        it.
    */
    void setProxyResolver(ProxyResolver *resolver);

    /*!
        Installs the page script into every page of \a profile and the URL scheme handler into
        \a profile. Pages also need install(QWebEnginePage *) for their channel object; pages of
        the profile without it get the facade (when allowed) but fail every connection.
    */
    void install(QWebEngineProfile *profile);
    /*! Installs the page script and the channel object into \a page (and the scheme handler into
        its profile). The page's web channel in the main world is used when it has one. */
    void install(QWebEnginePage *page);
    /*! Removes the bridge from \a page; its open sockets are dropped. */
    void uninstall(QWebEnginePage *page);

Q_SIGNALS:
    /*! \a page opened \a socket (already configured, not yet connected) for \a pageUrl; for
        connection inspectors. The socket belongs to the bridge; it is deleted after the page got
        its close event, or with the page. */
    void socketCreated(QtWs::WebSocket *socket, const QUrl &pageUrl, QWebEnginePage *page);
    /*!
        A page's text \a message was handed to \a socket; for connection inspectors (the socket
        itself has no signal for what it sends).
        \since 0.2
    */
    void textMessageSent(QtWs::WebSocket *socket, const QString &message);
    /*!
        A page's binary \a message was handed to \a socket, as textMessageSent().
        \since 0.2
    */
    void binaryMessageSent(QtWs::WebSocket *socket, const QByteArray &message);

private:
    Q_DECLARE_PRIVATE(WebBridge)
    std::unique_ptr<WebBridgePrivate> const d_ptr;
};

} // namespace QtWs

#endif // QTWS_WEBBRIDGE_H
