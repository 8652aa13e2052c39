// SPDX-License-Identifier: LGPL-3.0-or-later
#include "bridgehost.h"

#include "bridgecookiejar.h"
#include "bridgeschemehandler.h"
#include "bridgesocket.h"
#include "common/logging.h"
#include "pageops.h"

#include <QtCore/QJsonObject>
#include <QtCore/QMetaEnum>
#include <QtWebEngineCore/QWebEnginePage>
#include <QtWebEngineCore/QWebEngineScript>

namespace QtWs {

BridgeHost::BridgeHost(WebBridgePrivate *bridge, QWebEnginePage *page)
    : QObject(page)
    , m_bridge(bridge)
    , m_page(page)
    , m_profile(bridge->profileState(page->profile()))
{
    // For measurements (docs/performance.md): from which size received messages are fetched
    // from the bridge's URL scheme instead of travelling base64 on the channel.
    bool ok = false;
    const qint64 threshold = qEnvironmentVariableIntValue("QTWS_BRIDGE_FETCH_THRESHOLD", &ok);
    if (ok && threshold > 0)
        m_fetchThreshold = threshold;
    m_lazyFlush.setSingleShot(true);
    m_lazyFlush.setInterval(LazyFlushDelay);
    connect(&m_lazyFlush, &QTimer::timeout, this, &BridgeHost::flush);
}

BridgeHost::~BridgeHost()
{
    if (m_profile.scheme)
        m_profile.scheme->removeOwner(this);
}

void BridgeHost::post(const QJsonArray &ops)
{

    for (const QJsonValue &op : ops)
        handle(op.toArray());
}

void BridgeHost::handle(const QJsonArray &array)
{
    using Kind = PageOps::Op::Kind;
    const PageOps::Op op = PageOps::decode(array);
    if (op.kind == Kind::Invalid)
        return;
    if (op.kind == Kind::Hello) {
        // A new document in the main frame: the sockets of the previous one are gone with it.
        dropDocument(op.document, false);
        m_doc = op.document;
        return;
    }
    if (op.document != m_doc)
        return; // a late operation from a document that is gone
    const Key k = key(op.document, op.socket);
    switch (op.kind) {
    case Kind::Open:
        open(op.document, op.socket, op.url, op.protocols, op.frameOrigin);
        break;
    case Kind::Text:
        enqueue(k, Outgoing {Outgoing::Kind::Text, op.text, {}, -1, false, 0});
        break;
    case Kind::Binary:
        enqueue(k, Outgoing {Outgoing::Kind::Binary, {}, op.data, -1, false, 0});
        break;
    case Kind::Pull:
        if (op.serial == 0 || !m_sockets.contains(k))
            return;
        enqueue(k, Outgoing {Outgoing::Kind::Binary, {}, {}, -1, false, op.serial});
        m_pullRequests.append({k, op.serial});
        if (!m_pullScheduled) {
            m_pullScheduled = true;
            QMetaObject::invokeMethod(this, &BridgeHost::pull, Qt::QueuedConnection);
        }
        break;
    case Kind::Close:
        enqueue(k, Outgoing {Outgoing::Kind::Close, op.text, {}, op.code, op.wasConnecting, 0});
        break;
    case Kind::Drop:
        if (BridgeSocket *s = m_sockets.value(k))
            s->drop();
        break;
    case Kind::Resolve:
        resolveProxy(op.document, op.socket, op.url);
        break;
    case Kind::Bye:
        dropDocument(op.document, true);
        break;
    case Kind::Hello:
    case Kind::Invalid:
        break;
    }
}

QString BridgeHost::refusal(
    const QUrl &url, const QStringList &protocols, const QString &frameOrigin) const
{
    // The facade throws for all of these before it posts; reaching here means a page spoke to the
    // channel directly, so the answer is a failed connection, never a connection.
    if (!m_page || !m_bridge->allowedOrigins.contains(frameOrigin)
        || !m_bridge->isOriginAllowedUrl(m_page->url()))
        return QStringLiteral("origin not allowed");
    const QString refused = PageOps::openRefusal(url, protocols, frameOrigin);
    if (!refused.isEmpty())
        return refused;
    if (m_sockets.size() > m_bridge->maxSocketsPerPage) // this socket is already counted
        return QStringLiteral("Insufficient resources: too many sockets in this page");
    return QString();
}

void BridgeHost::open(quint32 doc, int id, const QString &urlString, const QStringList &protocols,
    const QString &frameOrigin)
{
    const Key k = key(doc, id);
    if (m_sockets.contains(k) || id <= 0)
        return;
    const QUrl url(urlString, QUrl::StrictMode);
    auto sink = [this, doc](const QJsonArray &event) {
        QJsonArray e = event;
        e.insert(1, double(doc));
        queueEvent(e);
    };
    auto encoder
        = [this, frameOrigin](const QByteArray &data) { return encodeBinary(data, frameOrigin); };
    auto *socket = new BridgeSocket(id, url, sink, encoder, this);
    m_sockets.insert(k, socket);
    connect(socket, &BridgeSocket::finished, this, [this, k, socket] {
        m_sockets.remove(k);
        m_outgoing.remove(k);
        socket->deleteLater();
    });
    const QString refused = refusal(url, protocols, frameOrigin);
    if (!refused.isEmpty()) {
        qCWarning(lcQtwsBridge, "[%p] refused a connection to %s: %s", static_cast<void *>(this),
            qUtf8Printable(url.toDisplayString()), qUtf8Printable(refused));
        socket->fail(refused);
        return;
    }
    BridgeCookieJar *jar = m_profile.cookies;
    connect(socket, &BridgeSocket::handshakeFinished, this, [socket, jar] {
        QList<QByteArray> setCookies;
        for (const auto &h : socket->socket()->handshakeResponseHeaders())
            if (h.first.compare("set-cookie", Qt::CaseInsensitive) == 0)
                setCookies.append(h.second);
        // The page reads document.cookie in its open handler: store first, then announce.
        if (jar && jar->store(setCookies, socket->url()) > 0)
            jar->barrier(socket, [socket] { socket->announceOpen(); });
        else
            socket->announceOpen();
    });
    WebSocketOptions options = m_bridge->options;
    options.setOrigin(frameOrigin);
    options.setSubprotocols(protocols);
    Q_EMIT m_bridge->q_ptr->socketCreated(socket->socket(), m_page->url(), m_page);
    auto start = [socket, jar, options, frameOrigin]() mutable {
        if (jar) {
            const QByteArray cookies = jar->cookieHeader(socket->url(), QUrl(frameOrigin));
            if (!cookies.isEmpty())
                options.addExtraHeader("Cookie", cookies);
        }
        socket->open(options);
    };
    // Cookies the page has just set must be in the handshake, as they are natively.
    if (jar)
        jar->barrier(socket, start);
    else
        start();
}

void BridgeHost::enqueue(Key k, Outgoing out)
{
    if (!m_sockets.contains(k))
        return;
    m_outgoing[k].append(std::move(out));
    drain(k);
}

void BridgeHost::drain(Key k)
{
    BridgeSocket *socket = m_sockets.value(k);
    auto it = m_outgoing.find(k);
    if (!socket || it == m_outgoing.end())
        return;
    QList<Outgoing> &queue = it.value();
    while (!queue.isEmpty() && queue.first().serial == 0) {
        const Outgoing out = queue.takeFirst();
        switch (out.kind) {
        case Outgoing::Kind::Text:
            if (socket->sendText(out.text))
                Q_EMIT m_bridge->q_ptr->textMessageSent(socket->socket(), out.text);
            break;
        case Outgoing::Kind::Binary:
            if (socket->sendBinary(out.data))
                Q_EMIT m_bridge->q_ptr->binaryMessageSent(socket->socket(), out.data);
            break;
        case Outgoing::Kind::Close:
            if (out.wasConnecting)
                socket->close(-1, QString()); // fails the connection: error, then 1006
            else
                socket->close(out.code, out.text);
            break;
        }
        if (!m_sockets.contains(k))
            return;
    }
}

void BridgeHost::pull()
{
    m_pullScheduled = false;
    if (!m_page || m_pullRequests.isEmpty())
        return;
    const QList<QPair<Key, quint32>> requests = std::exchange(m_pullRequests, {});
    QStringList serials;
    for (const auto &r : requests)
        serials.append(QString::number(r.second));
    // An ArrayBuffer returned by runJavaScript() arrives as a QByteArray: the bytes cross the
    // process boundary as they are (no base64, no JSON string).
    const QString script
        = QStringLiteral("(function(){var s=window['%1'];return s?s.take([%2]):[];})()")
              .arg(m_bridge->pullName, serials.join(u','));
    QPointer<BridgeHost> self(this);
    m_page->runJavaScript(
        script, QWebEngineScript::MainWorld, [self, requests](const QVariant &result) {
            if (!self)
                return;
            const QVariantList list = result.toList();
            qCDebug(lcQtwsBridge, "[%p] pulled %lld of %lld large sends",
                static_cast<void *>(self.data()), qlonglong(list.size()),
                qlonglong(requests.size()));
            for (qsizetype i = 0; i < requests.size(); ++i) {
                const Key k = requests.at(i).first;
                auto it = self->m_outgoing.find(k);
                if (it == self->m_outgoing.end())
                    continue;
                for (Outgoing &out : it.value()) {
                    if (out.serial != requests.at(i).second)
                        continue;
                    out.data = i < list.size() ? list.at(i).toByteArray() : QByteArray();
                    out.serial = 0;
                    break;
                }
                self->drain(k);
            }
        });
}

void BridgeHost::resolveProxy(quint32 doc, int requestId, const QString &urlString)
{
    const QUrl url(urlString, QUrl::StrictMode);
    auto answer = [this, doc, requestId](const QJsonObject &result) {
        queueEvent(QJsonArray {QStringLiteral("resolved"), double(doc), requestId, result});
    };
    ProxyResolver *resolver = m_bridge->resolver();
    if (!resolver || !m_page || !m_bridge->isOriginAllowedUrl(m_page->url())) {
        answer({{QStringLiteral("error"), QStringLiteral("NotAvailable")},
            {QStringLiteral("errorString"), QStringLiteral("proxy resolution is not available")}});
        return;
    }
    resolver->resolve(url, this, [answer](const ProxyResolution &resolution) {
        if (!resolution.isValid()) {
            answer({{QStringLiteral("error"),
                        QString::fromLatin1(QMetaEnum::fromType<ProxyError::Error>().valueToKey(
                            int(resolution.error())))},
                {QStringLiteral("errorString"), resolution.errorString()}});
            return;
        }
        // Never credentials: the page learns which hops would be tried, not how to use them.
        QJsonArray candidates;
        for (const ProxyCandidate &c : resolution.candidates()) {
            candidates.append(QJsonObject {
                {QStringLiteral("type"),
                    QString::fromLatin1(
                        QMetaEnum::fromType<ProxyCandidate::Type>().valueToKey(int(c.type())))},
                {QStringLiteral("host"), c.host()},
                {QStringLiteral("port"), int(c.port())},
                {QStringLiteral("source"),
                    QString::fromLatin1(
                        QMetaEnum::fromType<ProxyCandidate::Source>().valueToKey(int(c.source())))},
                {QStringLiteral("pac"), c.toPacString()},
            });
        }
        answer({{QStringLiteral("candidates"), candidates},
            {QStringLiteral("reason"), resolution.reason()}});
    });
}

void BridgeHost::dropDocument(quint32 doc, bool all)
{
    const QList<Key> keys = m_sockets.keys();
    for (Key k : keys) {
        if (all ? quint32(k >> 32) == doc : quint32(k >> 32) != doc)
            if (BridgeSocket *s = m_sockets.value(k))
                s->drop();
    }
}

QJsonValue BridgeHost::encodeBinary(const QByteArray &data, const QString &origin)
{
    // Large messages of one batch travel together as one resource of the bridge's URL scheme: one
    // fetch per batch, not per message; the event names its slice.
    if (m_profile.scheme && data.size() >= m_fetchThreshold
        && (m_bulk.isEmpty() || m_bulkOrigin == origin)) {
        const qsizetype offset = m_bulk.size();
        if (m_bulk.isEmpty())
            m_bulk = data; // shared, not copied, when it is the batch's only large message
        else
            m_bulk.append(data);
        m_bulkOrigin = origin;
        return QJsonObject {
            {QStringLiteral("o"), double(offset)}, {QStringLiteral("n"), double(data.size())}};
    }
    return QString::fromLatin1(data.toBase64());
}

void BridgeHost::queueEvent(const QJsonArray &event)
{
    m_batch.append(event);
    if (m_flushScheduled)
        return;
    // bufferedAmount updates alone wait a little for company (the echo, the next message): one
    // channel message less per send on both sides. Everything else leaves this event-loop turn.
    if (event.at(0).toString() == u"sent") {
        if (!m_lazyFlush.isActive())
            m_lazyFlush.start();
        return;
    }
    m_flushScheduled = true;
    QMetaObject::invokeMethod(this, &BridgeHost::flush, Qt::QueuedConnection);
}

void BridgeHost::flush()
{
    m_flushScheduled = false;
    m_lazyFlush.stop();
    if (m_batch.isEmpty())
        return;
    if (!m_bulk.isEmpty()) {
        const QUrl url = m_profile.scheme->add(std::exchange(m_bulk, {}), m_bulkOrigin, this);
        m_batch.prepend(QJsonArray {QStringLiteral("bulk"), url.toString()});
    }
    Q_EMIT events(std::exchange(m_batch, {}));
}

} // namespace QtWs
