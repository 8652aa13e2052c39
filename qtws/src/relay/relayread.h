// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_RELAYREAD_H
#define QTWS_RELAY_RELAYREAD_H

#include <QtCore/QIODevice>

namespace QtWs::Relay {

/*!
    Reads at most \a maxSize bytes of what \a device has available, into an allocation of the size
    read. QIODevice::read(maxSize) allocates maxSize and then shrinks only the size, not the
    allocation: a 20-byte read would hold 64 KiB (1 MiB for an HTTP connection's body limit) for as
    long as it waits in a queue. Every read of the relay goes through here, so that its memory
    follows the data, not the limits.
*/
inline QByteArray readChunk(QIODevice *device, qint64 maxSize)
{
    return device->read(qMin(device->bytesAvailable(), maxSize));
}

} // namespace QtWs::Relay

#endif // QTWS_RELAY_RELAYREAD_H
