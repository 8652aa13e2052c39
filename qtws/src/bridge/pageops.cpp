// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pageops.h"

#include "browserrules.h"
#include "protocol/url.h"

#include <QtCore/QJsonValue>

#include <cmath>
#include <limits>

namespace QtWs::PageOps {

namespace {

// RFC 6455 §4.1 item 10 / RFC 7230 §3.2.6: a subprotocol is a token.
bool isToken(const QString &s)
{
    if (s.isEmpty())
        return false;
    for (QChar c : s) {
        const ushort u = c.unicode();
        if (u < 0x21 || u > 0x7e || QStringView(u"()<>@,;:\\\"/[]?={}").contains(c))
            return false;
    }
    return true;
}

// A JSON number that is an integer in [0, 2^32): converting anything else to quint32 is undefined.
bool toUInt32(const QJsonValue &value, quint32 *out)
{
    if (!value.isDouble())
        return false;
    const double d = value.toDouble();
    if (!std::isfinite(d) || d < 0 || d > double(std::numeric_limits<quint32>::max())
        || std::trunc(d) != d)
        return false;
    *out = quint32(d);
    return true;
}

Op::Kind kindOf(const QString &name)
{
    static const QList<QPair<QString, Op::Kind>> kinds = {
        {QStringLiteral("hello"), Op::Kind::Hello},
        {QStringLiteral("open"), Op::Kind::Open},
        {QStringLiteral("text"), Op::Kind::Text},
        {QStringLiteral("binary"), Op::Kind::Binary},
        {QStringLiteral("pull"), Op::Kind::Pull},
        {QStringLiteral("close"), Op::Kind::Close},
        {QStringLiteral("drop"), Op::Kind::Drop},
        {QStringLiteral("resolve"), Op::Kind::Resolve},
        {QStringLiteral("bye"), Op::Kind::Bye},
    };
    for (const auto &k : kinds)
        if (k.first == name)
            return k.second;
    return Op::Kind::Invalid;
}

} // namespace

Op decode(const QJsonArray &array)
{
    Op op;
    op.kind = kindOf(array.at(0).toString());
    if (op.kind == Op::Kind::Invalid || !toUInt32(array.at(1), &op.document))
        return Op();
    op.socket = array.at(2).toInt();
    switch (op.kind) {
    case Op::Kind::Open:
        op.url = array.at(3).toString();
        for (const QJsonValue &p : array.at(4).toArray())
            op.protocols.append(p.toString());
        op.frameOrigin = array.at(5).toString();
        break;
    case Op::Kind::Text:
        op.text = array.at(3).toString();
        break;
    case Op::Kind::Binary:
        op.data = QByteArray::fromBase64(array.at(3).toString().toLatin1());
        break;
    case Op::Kind::Pull:
        if (!toUInt32(array.at(3), &op.serial))
            op.serial = 0;
        break;
    case Op::Kind::Close:
        op.code = array.at(3).toInt(-1);
        op.text = array.at(4).toString();
        op.wasConnecting = array.at(5).toBool();
        break;
    case Op::Kind::Resolve:
        op.url = array.at(3).toString();
        break;
    case Op::Kind::Hello:
    case Op::Kind::Drop:
    case Op::Kind::Bye:
    case Op::Kind::Invalid:
        break;
    }
    return op;
}

QString openRefusal(const QUrl &url, const QStringList &protocols, const QString &frameOrigin)
{
    if (!url.isValid() || !Protocol::isWebSocketScheme(url.scheme()) || url.host().isEmpty()
        || url.hasFragment())
        return QStringLiteral("invalid URL");
    if (!BrowserRules::isPortAllowed(Protocol::effectivePort(url)))
        return QStringLiteral("restricted port");
    if (BrowserRules::isMixedContent(QUrl(frameOrigin), url))
        return QStringLiteral("mixed content");
    QStringList seen;
    for (const QString &p : protocols) {
        if (!isToken(p) || seen.contains(p))
            return QStringLiteral("invalid subprotocol");
        seen.append(p);
    }
    return QString();
}

} // namespace QtWs::PageOps
