// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_INFLATERMESSAGES_H
#define QTWS_INFLATERMESSAGES_H

#include <QtCore/QByteArrayView>

#include "protocol/deflate.h"

// The message loop of fuzz_inflater, shared with tst_deflate's regression rows: \a input is the
// fuzz input after its two parameter bytes (window bits and no-context-takeover in \a bits and
// \a noContextTakeover), split into messages at each 0xFF 0x00 pair, each fed to one Inflater in
// chunks of nextChunk() bytes with a \a cap on the output. Returns the largest output a message
// produced; it stops at the first message that fails, as the connection would.
template<typename NextChunk>
qsizetype inflateMessages(
    QByteArrayView input, int bits, bool noContextTakeover, qint64 cap, NextChunk nextChunk)
{
    using QtWs::Protocol::Inflater;
    Inflater inflater(bits, noContextTakeover);
    qsizetype largest = 0;
    qsizetype start = 0;
    while (start <= input.size()) {
        qsizetype end = input.indexOf(QByteArrayView("\xff\x00", 2), start);
        if (end < 0)
            end = input.size();
        const QByteArrayView message = input.sliced(start, end - start);
        QByteArray out;
        Inflater::Status s = Inflater::Status::Ok;
        qsizetype pos = 0;
        while (pos < message.size() && s == Inflater::Status::Ok) {
            const qsizetype n = qMin(nextChunk(), message.size() - pos);
            s = inflater.inflate(message.sliced(pos, n), out, cap);
            pos += n;
        }
        if (s == Inflater::Status::Ok)
            s = inflater.finishMessage(out, cap);
        largest = qMax(largest, out.size());
        if (s != Inflater::Status::Ok)
            break; // the connection would be failed here
        start = end + 2;
    }
    return largest;
}

#endif // QTWS_INFLATERMESSAGES_H
