// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BRIDGE_BRIDGECOOKIEJAR_H
#define QTWS_BRIDGE_BRIDGECOOKIEJAR_H

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkCookie>

#include <functional>

QT_BEGIN_NAMESPACE
class QWebEngineCookieStore;
QT_END_NAMESPACE

namespace QtWs {

/*
    The profile's cookies as a WebSocket handshake needs them: a mirror of QWebEngineCookieStore
    (which has no synchronous query), the Cookie header for a target (RFC 6265 §5.4), and
    Set-Cookie headers from a handshake stored back into the profile.

    The store reports changes asynchronously, so a cookie a page has just set may not be in the
    mirror yet. barrier() waits until the store has reported every change made before it: it sets a
    sentinel cookie and waits for the store to report it (changes are reported in order).
*/
class BridgeCookieJar : public QObject
{
    Q_OBJECT
public:
    explicit BridgeCookieJar(QWebEngineCookieStore *store, QObject *parent = nullptr);
    ~BridgeCookieJar() override;

    /*! The Cookie header value for a handshake to \a target from a page of \a pageOrigin. */
    QByteArray cookieHeader(const QUrl &target, const QUrl &pageOrigin) const;
    /*! Stores the Set-Cookie header values of a handshake with \a target. Returns how many. */
    int store(const QList<QByteArray> &setCookieValues, const QUrl &target);
    /*! Calls \a then (unless \a context is gone) once the store reported all earlier changes. */
    void barrier(QObject *context, std::function<void()> then);

private:
    void onAdded(const QNetworkCookie &cookie);
    void onRemoved(const QNetworkCookie &cookie);
    void releaseBarrier(const QByteArray &name);

    struct Waiter
    {
        QByteArray sentinel;
        QPointer<QObject> context;
        std::function<void()> then;
    };
    QPointer<QWebEngineCookieStore> m_store;
    QList<QNetworkCookie> m_cookies;
    QList<Waiter> m_waiters;
    quint64 m_nextSentinel = 0;
};

} // namespace QtWs

#endif // QTWS_BRIDGE_BRIDGECOOKIEJAR_H
