// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACFETCHER_H
#define QTWS_PACFETCHER_H

#include <qtws/qtws_export.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>

#include <chrono>
#include <functional>

class QNetworkAccessManager;

namespace QtWs {

/*! \internal The outcome of one PAC download. */
struct QTWS_EXPORT PacFetchResult
{
    bool ok = false;
    QString script;
    /*! Names the URL and what went wrong, quoting the HTTP status line when there is one. */
    QString errorString;
};

/*!
    \internal
    Downloads PAC scripts from \c file:, \c data:, \c http: and \c https: URLs. HTTP goes DIRECT (a
    PAC script is never fetched through a proxy: the proxy is what the script decides), follows at
    most MaxRedirects redirects and never from https to http, refuses anything over MaxScriptSize,
    and gives up after the timeout (a deadline on the whole transfer, not an idle timer, so a server
    trickling bytes cannot hold it open). Callbacks always run later from the event loop, never
    inside fetch().
*/
class QTWS_EXPORT PacFetcher : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PacFetcher)
public:
    /*! Largest script accepted (1 MiB): corporate PAC files are a few KiB, wpad.dat rarely above
     * 100 KiB. */
    static constexpr qint64 MaxScriptSize = 1024 * 1024;
    /*! Redirects followed before failing. */
    static constexpr int MaxRedirects = 5;

    using Callback = std::function<void(const PacFetchResult &)>;

    explicit PacFetcher(QObject *parent = nullptr);
    ~PacFetcher() override;

    /*!
        Fetches \a url; \a callback runs unless \a context is destroyed first.
    */
    void fetch(const QUrl &url, std::chrono::milliseconds timeout, const QObject *context,
        Callback callback);

private:
    void deliver(const QObject *context, Callback callback, const PacFetchResult &result);
    PacFetchResult readLocal(const QUrl &url) const;
    QNetworkAccessManager *manager();
    QNetworkAccessManager *m_manager = nullptr;
};

/*! \internal Decodes a \c data: URL payload (base64 or percent-encoded); false when malformed. */
QTWS_EXPORT bool decodeDataUrl(const QUrl &url, QByteArray *payload);

} // namespace QtWs

#endif // QTWS_PACFETCHER_H
