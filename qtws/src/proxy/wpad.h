// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_WPAD_H
#define QTWS_WPAD_H

#include <qtws/qtws_export.h>

#include <QtCore/QStringList>

namespace QtWs {

/*!
    \internal
    The WPAD host names to try for a machine in \a domain (the local DNS domain, e.g.
    "dept.corp.example.co.uk"), most specific first: "wpad.dept.corp.example.co.uk",
    "wpad.corp.example.co.uk", "wpad.example.co.uk".

    The walk stops at the organisation's domain so that a name outside it is never asked (a
    "wpad.co.uk" or "wpad.com" host belongs to a stranger who would then pick the proxy for us; this
    is the WPAD weakness browsers were attacked through). Without a public-suffix list the
    organisation's domain is approximated: at least two labels are kept, and three when the last
    label is a two-letter country code and the one before it a common second-level suffix (co, com,
    net, org, ac, gov, edu, ...), as in co.uk, com.au, ac.jp, gov.br. IP literals, single-label
    names and names ending in ".local" or ".localhost" give no candidate.
*/
QTWS_EXPORT QStringList wpadCandidateHosts(const QString &domain);

} // namespace QtWs

#endif // QTWS_WPAD_H
