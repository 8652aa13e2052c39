// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TOOLS_REPORTTEXT_H
#define QTWS_TOOLS_REPORTTEXT_H

#include <qtws/connectreport.h>

#include <QtCore/QString>

namespace QtWs::Tools {

/*! "PROXY 127.0.0.1:3128; DIRECT (manual proxies (--proxy))", or why resolution failed. */
QString resolutionText(const ProxyResolution &resolution);

/*! "connect via PROXY 127.0.0.1:3128": the strategy and the hop of \a attempt. */
QString attemptName(const ConnectAttempt &attempt);

/*!
    One line for an attempt that ended: "connect via PROXY 127.0.0.1:3128 failed after 5 ms
    [HTTP/1.1 403 Forbidden; Server: squid/5.7; Via: ...; X-Squid-Error: ERR_ACCESS_DENIED 0]:
    proxy refused CONNECT ...".
*/
QString attemptResultText(const ConnectAttempt &attempt);

/*! The index of \a attempt in \a report (same hop, strategy and start), or -1. */
qsizetype attemptIndex(const ConnectReport &report, const ConnectAttempt &attempt);

/*! Writes \a report as indented JSON (toJson()) to \a path; the error, empty on success. */
QString writeReportJson(const QJsonObject &report, const QString &path);

} // namespace QtWs::Tools

#endif // QTWS_TOOLS_REPORTTEXT_H
