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

QString pacDisplayUrl(const QUrl &url)
{
    if (url.scheme() == u"data")
        return QStringLiteral("data: URL");
    return url.toDisplayString(QUrl::RemoveUserInfo);
}

namespace {

PacFetchResult failure(const QUrl &url, const QString &why)
{
    PacFetchResult result;
    result.errorString = QStringLiteral("PAC %1: %2").arg(pacDisplayUrl(url), why);
    return result;
}

PacFetchResult success(const QByteArray &bytes)
{
    PacFetchResult result;
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

PacFetchResult classifyReply(const QUrl &url, const PacReplyFacts &facts)
{
    const int status = facts.status;
    if (!facts.abortReason.isEmpty())
        return failure(url, facts.abortReason);
    if (facts.error == QNetworkReply::TooManyRedirectsError)
        return failure(url, QStringLiteral("more than %1 redirects").arg(PacFetcher::MaxRedirects));
    if (status >= 300 && status <= 399) {
        // A redirect QNetworkAccessManager refused: to another scheme, or https to http.
        return failure(url,
            QStringLiteral("redirect to '%1' not followed: %2")
                .arg(QString::fromUtf8(facts.location), facts.errorString));
    }
    if (facts.error != QNetworkReply::NoError && status == 0)
        return failure(url, facts.errorString);
    if (status < 200 || status > 299)
        return failure(
            url, QStringLiteral("server answered HTTP %1 %2").arg(status).arg(facts.reasonPhrase));
    if (facts.body.size() > PacFetcher::MaxScriptSize)
        return failure(url, tooLarge(facts.body.size()));
    return success(facts.body);
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
        qUtf16Printable(pacDisplayUrl(url)));
    auto facts = std::make_shared<PacReplyFacts>();
    QNetworkReply *reply = startTransfer(url, timeout, facts);
    QPointer<const QObject> guard(context);
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, facts, url, guard, hadContext = context != nullptr,
            callback = std::move(callback)]() {
            reply->deleteLater();
            facts->error = reply->error();
            facts->errorString = reply->errorString();
            facts->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            facts->reasonPhrase
                = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
            facts->location = reply->rawHeader("Location");
            if (facts->abortReason.isEmpty())
                facts->body += reply->read(MaxScriptSize + 1 - facts->body.size());
            const PacFetchResult result = classifyReply(url, *facts);
            if (result.isValid())
                qCDebug(lcQtwsPac, "[%p] fetched %ls (%lld bytes)", static_cast<void *>(this),
                    qUtf16Printable(pacDisplayUrl(url)), qint64(facts->body.size()));
            else
                qCDebug(lcQtwsPac, "[%p] %ls", static_cast<void *>(this),
                    qUtf16Printable(result.errorString));
            if (guard || !hadContext)
                callback(result);
        });
}

QNetworkReply *PacFetcher::startTransfer(
    const QUrl &url, std::chrono::milliseconds timeout, const std::shared_ptr<PacReplyFacts> &facts)
{
    QNetworkRequest request(url);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setMaximumRedirectsAllowed(MaxRedirects);
    request.setAttribute(
        QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkReply *reply = manager()->get(request);

    auto *deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, reply, [reply, facts, timeout]() {
        facts->abortReason = QStringLiteral("no complete answer within %1 ms").arg(timeout.count());
        reply->abort();
    });
    deadline->start(timeout);
    connect(reply, &QNetworkReply::metaDataChanged, reply, [reply, facts]() {
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() > MaxScriptSize) {
            facts->abortReason = tooLarge(length.toLongLong());
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::readyRead, reply, [reply, facts]() {
        // Limit checked before buffering: never hold more than MaxScriptSize + 1 bytes.
        facts->body += reply->read(MaxScriptSize + 1 - facts->body.size());
        if (facts->body.size() > MaxScriptSize) {
            facts->abortReason = tooLarge(facts->body.size());
            reply->abort();
        }
    });
    return reply;
}

} // namespace QtWs
