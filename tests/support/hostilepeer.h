// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_HOSTILEPEER_H
#define QTWS_HOSTILEPEER_H

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

namespace QtWs::Test {

/*!
    What the hostile-peer suites measure about the process they run in, from /proc/self: open file
    descriptors (the leak check after each row) and the peak resident set size (the memory bound of
    the limit rows).
*/
namespace ProcessProbe {

/*! Number of entries in /proc/self/fd; -1 when it cannot be read. */
int openDescriptors();

/*! VmHWM, the peak resident set size, in bytes; -1 when it cannot be read. */
qint64 peakResidentBytes();

/*!
    Resets the peak to the current resident size (writes 5 to /proc/self/clear_refs, Linux 4.0 and
    later). False where the kernel does not allow it: peak measurements are then not meaningful.
*/
bool resetPeakResident();

} // namespace ProcessProbe

/*! RFC 6455 §5.2 frames written by hand, so that tests can also write invalid ones. */
namespace RawFrame {

/*!
    One frame: \a firstByte (FIN, RSV1-3, opcode) and \a payload, masked with a fixed key when
    \a masked (a server must not mask). The length uses the shortest encoding.
*/
QByteArray frame(quint8 firstByte, const QByteArray &payload, bool masked = false);

/*!
    Only a header: \a firstByte, then a length written as the 64-bit form with the value
    \a length (no payload follows); lets a test announce 2^63 bytes or use a non-minimal length.
*/
QByteArray header64(quint8 firstByte, quint64 length);

/*! A header with the 16-bit length form carrying \a length (may be non-minimal). */
QByteArray header16(quint8 firstByte, quint16 length);

/*! The payload of a Close frame: \a code in network order, then \a reason as given. */
QByteArray closePayload(quint16 code, const QByteArray &reason = {});

} // namespace RawFrame

} // namespace QtWs::Test

#endif // QTWS_HOSTILEPEER_H
