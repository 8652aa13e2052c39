// SPDX-License-Identifier: LGPL-3.0-or-later
// The result values of proxy resolution: ProxyResolution and the reply that carries one.
#include <qtws/proxyresolver.h>

#include <QtCore/QDebug>

namespace QtWs {

class ProxyResolutionPrivate : public QSharedData
{
public:
    QUrl url;
    QList<ProxyCandidate> candidates;
    ProxyError::Error error = ProxyError::Error::NoError;
    QString errorString;
    QString reason;
    QStringList warnings;
    bool directFallback = false;
    bool fromCache = false;
};

ProxyResolution::ProxyResolution()
    : d(new ProxyResolutionPrivate)
{ }
ProxyResolution::ProxyResolution(const ProxyResolution &other) = default;
ProxyResolution::ProxyResolution(ProxyResolution &&other) noexcept = default;
ProxyResolution &ProxyResolution::operator=(const ProxyResolution &other) = default;
ProxyResolution &ProxyResolution::operator=(ProxyResolution &&other) noexcept = default;
ProxyResolution::~ProxyResolution() = default;

ProxyResolution ProxyResolution::success(
    const QUrl &url, const QList<ProxyCandidate> &candidates, const QString &reason)
{
    ProxyResolution r;
    r.d->url = url;
    r.d->candidates = candidates;
    r.d->reason = reason;
    return r;
}

ProxyResolution ProxyResolution::failure(
    const QUrl &url, ProxyError::Error error, const QString &errorString)
{
    ProxyResolution r;
    r.d->url = url;
    r.d->error = error;
    r.d->errorString = errorString;
    return r;
}

QUrl ProxyResolution::url() const
{
    return d->url;
}
QList<ProxyCandidate> ProxyResolution::candidates() const
{
    return d->candidates;
}
ProxyError::Error ProxyResolution::error() const
{
    return d->error;
}
QString ProxyResolution::errorString() const
{
    return d->errorString;
}
QString ProxyResolution::reason() const
{
    return d->reason;
}
QStringList ProxyResolution::warnings() const
{
    return d->warnings;
}
bool ProxyResolution::isDirectFallback() const
{
    return d->directFallback;
}
bool ProxyResolution::isFromCache() const
{
    return d->fromCache;
}
void ProxyResolution::setWarnings(const QStringList &warnings)
{
    d->warnings = warnings;
}
void ProxyResolution::setDirectFallback(bool fallback)
{
    d->directFallback = fallback;
}
void ProxyResolution::setFromCache(bool fromCache)
{
    d->fromCache = fromCache;
}

QDebug operator<<(QDebug debug, const ProxyResolution &r)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "ProxyResolution(" << r.url().toDisplayString(QUrl::RemoveUserInfo) << ", ";
    if (r.isValid())
        debug << r.candidates() << ", " << r.reason();
    else
        debug << r.error() << ", " << r.errorString();
    debug << ')';
    return debug;
}

class ProxyResolveReplyPrivate
{
public:
    ProxyResolution result;
    bool finished = false;
};

ProxyResolveReply::ProxyResolveReply(const QUrl &url, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<ProxyResolveReplyPrivate>())
{
    d_ptr->result = ProxyResolution::failure(url, ProxyError::Error::Cancelled, QString());
}

ProxyResolveReply::~ProxyResolveReply() = default;

bool ProxyResolveReply::isFinished() const
{
    return d_func()->finished;
}
ProxyResolution ProxyResolveReply::result() const
{
    return d_func()->result;
}

void ProxyResolveReply::finish(const ProxyResolution &result)
{
    Q_D(ProxyResolveReply);
    if (d->finished)
        return;
    d->result = result;
    d->finished = true;
    Q_EMIT finished();
}

} // namespace QtWs
