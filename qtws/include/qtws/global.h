// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_GLOBAL_H
#define QTWS_GLOBAL_H

#include <qtws/qtws_export.h>

/*!
    \namespace QtWs
    \brief The qtws library: a Qt 6 WebSocket stack that honours the user's proxy configuration.
    \since 0.1
*/
namespace QtWs {
/*! The library version as "major.minor.patch". */
QTWS_EXPORT const char *version() noexcept;
} // namespace QtWs

#endif // QTWS_GLOBAL_H
