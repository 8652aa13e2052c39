// SPDX-License-Identifier: LGPL-3.0-or-later
#include "url.h"

namespace QtWs::Protocol {

namespace {

bool is(QStringView scheme, QLatin1StringView name) noexcept
{
    return scheme.compare(name, Qt::CaseInsensitive) == 0;
}

} // namespace

bool isWebSocketScheme(QStringView scheme) noexcept
{
    return is(scheme, QLatin1StringView("ws")) || is(scheme, QLatin1StringView("wss"));
}

bool isSecureScheme(QStringView scheme) noexcept
{
    return is(scheme, QLatin1StringView("wss")) || is(scheme, QLatin1StringView("https"));
}

int defaultPort(QStringView scheme) noexcept
{
    if (is(scheme, QLatin1StringView("ws")) || is(scheme, QLatin1StringView("http")))
        return 80;
    if (isSecureScheme(scheme))
        return 443;
    return -1;
}

int effectivePort(const QUrl &url) noexcept
{
    return url.port(defaultPort(url.scheme()));
}

} // namespace QtWs::Protocol
