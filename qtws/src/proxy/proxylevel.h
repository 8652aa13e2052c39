// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYLEVEL_H
#define QTWS_PROXYLEVEL_H

#include "noproxylist.h"

#include <qtws/proxycandidate.h>
#include <qtws/proxyconfiguration.h>

namespace QtWs {

/*!
    \internal
    One configuration level (per request, explicit, application, system) with its parsed no-proxy
    list and the names its answers carry. Copied (cheaply: implicitly shared) into asynchronous
    steps so that they survive a configuration change.
*/
struct ProxyLevel
{
    ProxyConfiguration config;
    NoProxyList noProxy;
    ProxyCandidate::Source source = ProxyCandidate::Source::Explicit;
    QString origin;

    void set(const ProxyConfiguration &configuration)
    {
        config = configuration;
        noProxy = NoProxyList(configuration.noProxyList());
    }
};

} // namespace QtWs

#endif // QTWS_PROXYLEVEL_H
