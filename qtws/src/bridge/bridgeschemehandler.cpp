// SPDX-License-Identifier: LGPL-3.0-or-later
#include "bridgeschemehandler.h"

#include "browserrules.h"
#include "common/logging.h"

#include <qtws/webbridge.h>

#include <QtCore/QBuffer>
#include <QtCore/QRandomGenerator>
#include <QtWebEngineCore/QWebEngineUrlRequestJob>

#include <array>

namespace QtWs {

BridgeSchemeHandler::BridgeSchemeHandler(QObject *parent)
    : QWebEngineUrlSchemeHandler(parent)
{ }

BridgeSchemeHandler::~BridgeSchemeHandler() = default;

QUrl BridgeSchemeHandler::add(const QByteArray &data, const QString &origin, QObject *owner)
{
    std::array<quint32, 4> random {};
    QRandomGenerator::system()->fillRange(random.data(), random.size());
    const QString token = QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(random.data()), sizeof random).toHex());
    m_payloads.insert(token, Payload {data, origin, owner});
    QUrl url;
    url.setScheme(QString::fromLatin1(WebBridge::urlSchemeName()));
    url.setPath(u'/' + token);
    return url;
}

void BridgeSchemeHandler::removeOwner(QObject *owner)
{
    m_payloads.removeIf([owner](const auto &it) { return it.value().owner == owner; });
}

void BridgeSchemeHandler::requestStarted(QWebEngineUrlRequestJob *job)
{
    const QString token = job->requestUrl().path().mid(1);
    const auto it = m_payloads.constFind(token);
    if (it == m_payloads.cend() || job->requestMethod() != "GET"
        || BrowserRules::serializedOrigin(job->initiator()) != it->origin) {
        qCDebug(lcQtwsBridge, "[%p] refused %s from %s", static_cast<void *>(this),
            qUtf8Printable(job->requestUrl().toString()),
            qUtf8Printable(job->initiator().toString()));
        job->fail(QWebEngineUrlRequestJob::RequestDenied);
        return;
    }
    auto *buffer = new QBuffer(job);
    buffer->setData(it->data);
    buffer->open(QIODevice::ReadOnly);
    m_payloads.erase(it);
    job->reply(QByteArrayLiteral("application/octet-stream"), buffer);
}

} // namespace QtWs
