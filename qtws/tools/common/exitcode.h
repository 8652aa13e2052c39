// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TOOLS_EXITCODE_H
#define QTWS_TOOLS_EXITCODE_H

#include <qtws/websocket.h>

#include <QtCore/QString>

namespace QtWs::Tools {

/*!
    The exit status of qtws-cat and qtws-probe, defined once here; --help and docs/tools.md list
    the same table (exitCodeHelp()). A script can tell a proxy that refused from a server that
    refused from a network that timed out.
*/
enum class ExitCode : int {
    Success = 0, //!< it worked (qtws-probe: at least one way works)
    Failed = 1, //!< another failure: the server closed before answering, broke the protocol, ...
    //!< (qtws-probe: no way works)
    Usage = 2, //!< the command line (or an option the library refused) is not valid
    Proxy = 3, //!< the proxy configuration could not be evaluated, or no proxy let us through
    //!< (unreachable, refused, authentication)
    Connection = 4, //!< the server could not be reached, or the connection broke
    Tls = 5, //!< TLS with the server failed (certificate, handshake)
    Handshake = 6, //!< the server did not accept the WebSocket upgrade (404, invalid 101, ...)
    Timeout = 7, //!< a deadline expired (--timeout, connect or handshake timeout)
};

/*! The exit code for a WebSocket that ended with \a error (by WebSocket::errorGroup()). */
ExitCode exitCodeFor(WebSocket::Error error);

/*! The --help lines for \a codes ("  3  proxy: ..."), as qtws-cat means them, one per line,
    without a trailing newline. */
QString exitCodeHelp(const QList<ExitCode> &codes);

/*! Prints "TOOL: MESSAGE" to stderr and returns ExitCode::Usage, for main(). */
int usageError(const char *tool, const QString &message);

} // namespace QtWs::Tools

#endif // QTWS_TOOLS_EXITCODE_H
