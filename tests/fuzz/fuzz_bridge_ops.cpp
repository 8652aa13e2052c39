// SPDX-License-Identifier: LGPL-3.0-or-later
// What a page posts to its BridgeHost: the input is the JSON text of one post() batch as the web channel hands it
// over (a JSON array of operations), decoded by PageOps::decode() and, for opens, checked by
// PageOps::openRefusal(). Nothing a page sends is trusted: every number converts without undefined behaviour,
// an unknown kind or a document that is no uint32 is Invalid, and an open that is not refused names a ws/wss URL
// with a host, an allowed port and distinct token subprotocols.
#include "fuzzcommon.h"

#include "bridge/pageops.h"
#include "protocol/url.h"

#include <QtCore/QJsonDocument>

using namespace QtWs;
using Kind = PageOps::Op::Kind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QJsonDocument doc = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!doc.isArray())
        return 0;
    for (const QJsonValue &value : doc.array()) {
        const QJsonArray array = value.toArray();
        const PageOps::Op op = PageOps::decode(array);
        if (op.kind == Kind::Invalid) {
            FUZZ_CHECK(op.document == 0 && op.socket == 0 && op.url.isEmpty() && op.data.isEmpty());
            continue;
        }
        FUZZ_CHECK(array.at(1).isDouble() && double(op.document) == array.at(1).toDouble());
        if (op.kind == Kind::Pull)
            FUZZ_CHECK(op.serial == 0 || double(op.serial) == array.at(3).toDouble());
        else
            FUZZ_CHECK(op.serial == 0);
        if (op.kind == Kind::Close)
            FUZZ_CHECK(op.code == -1 || double(op.code) == array.at(3).toDouble());
        if (op.kind != Kind::Open)
            continue;
        const QUrl url(op.url, QUrl::StrictMode);
        if (!PageOps::openRefusal(url, op.protocols, op.frameOrigin).isEmpty())
            continue;
        FUZZ_CHECK(url.isValid() && Protocol::isWebSocketScheme(url.scheme()));
        FUZZ_CHECK(!url.host().isEmpty() && !url.hasFragment());
        FUZZ_CHECK(op.protocols.size() == QSet<QString>(op.protocols.begin(), op.protocols.end()).size());
        for (const QString &p : op.protocols)
            FUZZ_CHECK(!p.isEmpty() && !p.contains(u' ') && !p.contains(u','));
    }
    return 0;
}
