// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACRESULT_H
#define QTWS_PACRESULT_H

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QStringView>

namespace QtWs {

/*!
    \enum QtWs::PacError
    \brief Why a PAC evaluation produced no usable proxy list.
    \since 0.1
*/
enum class PacError {
    None, //!< the script answered and at least one entry was understood
    NoScript, //!< no script was set
    ScriptTooLarge, //!< the script exceeds PacEnvironment::maxScriptSize; it was not compiled
    SyntaxError, //!< the script does not compile (errorString names the line)
    NoFindProxyFunction, //!< neither FindProxyForURLEx nor FindProxyForURL is a function
    /*! The script threw (including RangeError on stack overflow), at load or in the call. */
    Exception,
    Timeout, //!< the script ran past PacEnvironment::evaluationTimeout and was interrupted
    NonStringResult, //!< FindProxyForURL returned something other than a string
    EmptyResult, //!< FindProxyForURL returned an empty or blank string
    /*! The returned string has no entry qtws understands (see PacResult::warnings). */
    UnparsableResult,
    /*! The engine is shutting down, the request was made from the engine's own thread, or its
        helper process could not be started, exited or broke the protocol. */
    EngineUnavailable,
};

/*! A short English description of \a error, without details. */
QTWS_EXPORT QString pacErrorName(PacError error);

/*!
    \class QtWs::PacResult
    \brief The outcome of one FindProxyForURL evaluation: the raw answer, the parsed candidates,
    warnings about skipped entries and a typed error.
    \since 0.1
*/
struct QTWS_EXPORT PacResult
{
    /*! The string the script returned (empty when it returned none). */
    QString raw;
    /*! Parsed entries, in the script's order; never an invented DIRECT. */
    QList<ProxyCandidate> candidates;
    /*! One message per skipped entry, quoting it. */
    QStringList warnings;
    /*! PacError::None when candidates is usable. */
    PacError error = PacError::None;
    /*! Human-readable, names the script and, when known, the line. */
    QString errorString;
    /*! Script line of a SyntaxError, Exception or Timeout; -1 if unknown. */
    int line = -1;

    /*! True when the script answered with at least one usable entry (error is PacError::None). */
    bool isValid() const noexcept { return error == PacError::None; }
};

/*!
    Default ports when a PAC entry omits one (documented, as Chromium does): PROXY/HTTP 80,
    HTTPS 443, SOCKS* 1080.
*/
constexpr quint16 kPacDefaultHttpPort = 80;
constexpr quint16 kPacDefaultHttpsPort = 443;
constexpr quint16 kPacDefaultSocksPort = 1080;

/*!
    Parses a PAC answer such as \c{"PROXY a:3128; SOCKS5 [::1]:1080; DIRECT"} into candidates tagged
    with \a source and \a origin (the script's URL or file name).

    Entries are separated by \c{;}; blank entries are ignored. Keywords are case-insensitive: \c
    PROXY and \c HTTP (plain HTTP proxy), \c HTTPS (HTTP proxy over TLS), \c SOCKS and \c SOCKS4
    (SOCKS4, the meaning of bare SOCKS in browsers), \c SOCKS5, and \c DIRECT (which takes no host).
    Hosts are names or IP literals, IPv6 literals in brackets (\c{[::1]:3128}); a missing port takes
    the type's default (kPacDefaultHttpPort, kPacDefaultHttpsPort, kPacDefaultSocksPort). Any entry
    that is not understood is skipped and described in \a warnings (if non-null): it is never turned
    into DIRECT. An empty list with a non-blank input therefore means "nothing usable".
*/
QTWS_EXPORT QList<ProxyCandidate> parsePacResult(QStringView result, ProxyCandidate::Source source,
    const QString &origin, QStringList *warnings);

} // namespace QtWs

#endif // QTWS_PACRESULT_H
