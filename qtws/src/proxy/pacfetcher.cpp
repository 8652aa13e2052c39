// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacfetcher.h"

#include "common/logging.h"

#include <QtCore/QFile>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

#include <memory>

namespace QtWs {

namespace {

QString displayUrl(const QUrl &url)
{
    if (url.scheme() == u"data")
        return QStringLiteral("data: URL");
    return url.toDisplayString(QUrl::RemoveUserInfo);
}

PacFetchResult failure(const QUrl &url, const QString &why)
{
    PacFetchResult result;
    result.errorString = QStringLiteral("PAC %1: %2").arg(displayUrl(url), why);
    return result;
}

PacFetchResult success(const QByteArray &bytes)
{
    PacFetchResult result;
    result.ok = true;
    result.script = QString::fromUtf8(bytes);
    return result;
}

QString tooLarge(qint64 size)
{
    return QStringLiteral("script larger than %1 bytes (%2)")
        .arg(PacFetcher::MaxScriptSize)
        .arg(size);
}

} // namespace

bool decodeDataUrl(const QUrl &url, QByteArray *payload)
{
    // RFC 2397: data:[<mediatype>][;base64],<data>
    const QByteArray encoded = url.toEncoded();
    if (!encoded.startsWith("data:"))
        return false;
    const qsizetype comma = encoded.indexOf(',');
    if (comma < 0)
        return false;
    const QByteArray meta = encoded.mid(5, comma - 5);
    const QByteArray data = QByteArray::fromPercentEncoding(encoded.mid(comma + 1));
    if (meta.endsWith(";base64")) {
        const auto decoded
            = QByteArray::fromBase64Encoding(data, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return false;
        *payload = decoded.decoded;
        return true;
    }
    *payload = data;
    return true;
}

PacFetcher::PacFetcher(QObject *parent)
    : QObject(parent)
{ }
PacFetcher::~PacFetcher() = default;

QNetworkAccessManager *PacFetcher::manager()
{
    if (!m_manager) {
        m_manager = new QNetworkAccessManager(this);
        // Never through a proxy, and never through Qt's application proxy factory (which may be
        // libproxy).
        m_manager->setProxy(QNetworkProxy::NoProxy);
        m_manager->setAutoDeleteReplies(false);
    }
    return m_manager;
}

void PacFetcher::deliver(const QObject *context, Callback callback, const PacFetchResult &result)
{
    QPointer<const QObject> guard(context);
    QMetaObject::invokeMethod(
        this,
        [guard, hadContext = context != nullptr, callback = std::move(callback), result]() {
            if (guard || !hadContext)
                callback(result);
        },
        Qt::QueuedConnection);
}

PacFetchResult PacFetcher::readLocal(const QUrl &url) const
{
    if (url.scheme() == u"data") {
        QByteArray payload;
        if (!decodeDataUrl(url, &payload))
            return failure(url, QStringLiteral("malformed data: URL"));
        if (payload.size() > MaxScriptSize)
            return failure(url, tooLarge(payload.size()));
        return success(payload);
    }
    QFile file(url.toLocalFile());
    if (!file.open(QIODevice::ReadOnly))
        return failure(url, file.errorString());
    if (file.size() > MaxScriptSize)
        return failure(url, tooLarge(file.size()));
    // Read one byte more than allowed: a file that grows (or a FIFO) still cannot exceed the cap.
    const QByteArray bytes = file.read(MaxScriptSize + 1);
    if (bytes.size() > MaxScriptSize)
        return failure(url, tooLarge(bytes.size()));
    return success(bytes);
}

void PacFetcher::fetch(
    const QUrl &url, std::chrono::milliseconds timeout, const QObject *context, Callback callback)
{
    const QString scheme = url.scheme().toLower();
    if (scheme == u"file" || scheme == u"data") {
        deliver(context, std::move(callback), readLocal(url));
        return;
    }
    if (scheme != u"http" && scheme != u"https") {
        deliver(context, std::move(callback),
            failure(url,
                QStringLiteral("unsupported scheme '%1' (file, data, http, https)").arg(scheme)));
        return;
    }
    qCDebug(lcQtwsPac, "[%p] fetching %ls", static_cast<void *>(this),
        qUtf16Printable(displayUrl(url)));

    QNetworkRequest request(url);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setMaximumRedirectsAllowed(MaxRedirects);
    request.setAttribute(
        QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkReply *reply = manager()->get(request);

    struct State
    {
        QByteArray body;
        QString abortReason;
    };
    auto state = std::make_shared<State>();
    auto *deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, reply, [reply, state, timeout]() {
        state->abortReason = QStringLiteral("no complete answer within %1 ms").arg(timeout.count());
        reply->abort();
    });
    deadline->start(timeout);

    connect(reply, &QNetworkReply::metaDataChanged, reply, [reply, state]() {
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() > MaxScriptSize) {
            state->abortReason = tooLarge(length.toLongLong());
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::readyRead, reply, [reply, state]() {
        // Limit checked before buffering: never hold more than MaxScriptSize + 1 bytes.
        state->body += reply->read(MaxScriptSize + 1 - state->body.size());
        if (state->body.size() > MaxScriptSize) {
            state->abortReason = tooLarge(state->body.size());
            reply->abort();
        }
    });
    QPointer<const QObject> guard(context);
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, state, url, guard, hadContext = context != nullptr,
            callback = std::move(callback)]() {
            reply->deleteLater();
            PacFetchResult result;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (!state->abortReason.isEmpty()) {
                result = failure(url, state->abortReason);
            } else if (reply->error() == QNetworkReply::TooManyRedirectsError) {
                result = failure(url, QStringLiteral("more than %1 redirects").arg(MaxRedirects));
            } else if (status >= 300 && status <= 399) {
                // A redirect QNetworkAccessManager refused: to another scheme, or https to http.
                result = failure(url,
                    QStringLiteral("redirect to '%1' not followed: %2")
                        .arg(
                            QString::fromUtf8(reply->rawHeader("Location")), reply->errorString()));
            } else if (reply->error() != QNetworkReply::NoError && status == 0) {
                result = failure(url, reply->errorString());
            } else if (status < 200 || status > 299) {
                const QString phrase
                    = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
                result = failure(
                    url, QStringLiteral("server answered HTTP %1 %2").arg(status).arg(phrase));
            } else {
                state->body += reply->read(MaxScriptSize + 1 - state->body.size());
                if (state->body.size() > MaxScriptSize)
                    result = failure(url, tooLarge(state->body.size()));
                else
                    result = success(state->body);
            }
            if (result.ok)
                qCDebug(lcQtwsPac, "[%p] fetched %ls (%lld bytes)", static_cast<void *>(this),
                    qUtf16Printable(displayUrl(url)), qint64(state->body.size()));
            else
                qCDebug(lcQtwsPac, "[%p] %ls", static_cast<void *>(this),
                    qUtf16Printable(result.errorString));
            if (guard || !hadContext)
                callback(result);
        });
}

} // namespace QtWs
