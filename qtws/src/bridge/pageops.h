// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_BRIDGE_PAGEOPS_H
#define QTWS_BRIDGE_PAGEOPS_H

#include <qtws/qtwswebbridge_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QJsonArray>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

// What a page's facade (js/websocket.js) posts to its BridgeHost, decoded without trusting it: pure functions, no
// page and no socket, so that tests and the fuzz target (tests/fuzz/fuzz_bridge_ops.cpp) reach them.
namespace QtWs::PageOps {

/*! One operation from the page, each a JSON array [kind, document, socket, ...] (see websocket.js). */
struct Op
{
    enum class Kind {
        Invalid, //!< not an operation the facade sends (unknown kind, or a document that is no uint32)
        Hello, //!< ["hello", doc]: a new document in the main frame
        Open, //!< ["open", doc, id, url, protocols, frameOrigin]
        Text, //!< ["text", doc, id, text]
        Binary, //!< ["binary", doc, id, base64]
        Pull, //!< ["pull", doc, id, serial]: a large binary send to read from the page
        Close, //!< ["close", doc, id, code, reason, wasConnecting]
        Drop, //!< ["drop", doc, id]
        Resolve, //!< ["resolve", doc, requestId, url]
        Bye, //!< ["bye", doc]: the document is gone
    };
    Kind kind = Kind::Invalid;
    quint32 document = 0;
    int socket = 0; //!< the page's number for the socket (or resolve request); 0 when not an int
    QString url; //!< Open, Resolve
    QStringList protocols; //!< Open; an entry that is not a string is kept as "" (refused later)
    QString frameOrigin; //!< Open
    QString text; //!< Text; the reason of Close
    QByteArray data; //!< Binary, decoded from base64
    int code = -1; //!< Close; -1 when the page gave none (or no int)
    bool wasConnecting = false; //!< Close
    quint32 serial = 0; //!< Pull; 0 when it is no integer in [1, 2^32)
};

/*!
    Decodes \a op. Numbers that must be 32-bit unsigned integers (the document, a pull's serial) are
    checked before they are converted, because a page may post any JSON number (1e300, -1, 0.5).
    An operation with an unknown kind or an invalid document is Kind::Invalid.
*/
QTWS_WEBBRIDGE_EXPORT Op decode(const QJsonArray &op);

/*!
    The checks of an open that depend on the request alone (the page's origin against the
    allowlist and the socket count are the host's): a valid ws/wss URL with a host and no fragment,
    a port Chromium allows, no mixed content from \a frameOrigin, subprotocols that are distinct
    tokens. Empty when allowed, otherwise the reason the page's connection fails with.
*/
QTWS_WEBBRIDGE_EXPORT QString openRefusal(
    const QUrl &url, const QStringList &protocols, const QString &frameOrigin);

} // namespace QtWs::PageOps

#endif // QTWS_BRIDGE_PAGEOPS_H
