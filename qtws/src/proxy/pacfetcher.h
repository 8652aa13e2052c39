// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACFETCHER_H
#define QTWS_PACFETCHER_H

#include <qtws/qtws_export.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkReply>

#include <chrono>
#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace QtWs {

/*! \internal The outcome of one PAC download. */
struct QTWS_EXPORT PacFetchResult
{
    QString script;
    /*! Names the URL and what went wrong, quoting the HTTP status line when there is one; empty
        when the script was fetched. */
    QString errorString;
    /*! True when the script was fetched (it may still be empty or fail to compile). */
    bool isValid() const noexcept { return errorString.isEmpty(); }
};

/*! \internal What an ended HTTP(S) transfer of a PAC script left to decide on. */
struct QTWS_EXPORT PacReplyFacts
{
    QString abortReason; // set when the fetcher aborted the transfer (deadline, size limit)
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString; // QNetworkReply::errorString()
    int status = 0; // HTTP status; 0 when no response head arrived
    QString reasonPhrase;
    QByteArray location; // the Location header of a redirect that was not followed
    QByteArray body; // at most PacFetcher::MaxScriptSize + 1 bytes
};

/*!
    \internal
    Decides what a transfer of \a url produced: the script, or an error naming the URL and the
    cause. No I/O.
*/
QTWS_EXPORT PacFetchResult classifyReply(const QUrl &url, const PacReplyFacts &facts);

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
        100 KiB. */
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
    QNetworkReply *startTransfer(const QUrl &url, std::chrono::milliseconds timeout,
        const std::shared_ptr<PacReplyFacts> &facts);
    QNetworkAccessManager *manager();
    QNetworkAccessManager *m_manager = nullptr;
};

/*! \internal How a PAC URL is named in candidates and messages: no user info; "data: URL" for
    a data: URL, whose payload is the whole script. */
QTWS_EXPORT QString pacDisplayUrl(const QUrl &url);

/*! \internal Decodes a \c data: URL payload (base64 or percent-encoded); false when malformed. */
QTWS_EXPORT bool decodeDataUrl(const QUrl &url, QByteArray *payload);

} // namespace QtWs

#endif // QTWS_PACFETCHER_H
