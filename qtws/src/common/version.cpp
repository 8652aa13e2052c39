// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/global.h>

const char *QtWs::version() noexcept
{
    return QTWS_VERSION_STRING;
}
