// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TOOLS_COMMANDLINE_H
#define QTWS_TOOLS_COMMANDLINE_H

#include <QtCore/QCommandLineOption>
#include <QtCore/QUrl>

#include <optional>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
QT_END_NAMESPACE

namespace QtWs::Tools {

/*! --version (not Qt's addVersionOption(), whose -v would take qtws-cat's -v for --verbose). */
QCommandLineOption versionOption();

/*!
    Parses \a arguments with \a parser: a parse error is a usage error (exit status 2, not the 1
    of QCommandLineParser::process()), --help prints the help and exits with 0, \a version prints
    "TOOL VERSION". Returns the exit status when the run ends here, nothing to go on.
*/
std::optional<int> parseCommandLine(
    QCommandLineParser &parser, const QStringList &arguments, const QCommandLineOption &version);

/*! The one positional argument, a ws:// or wss:// URL with a host; nothing with \a error. */
std::optional<QUrl> webSocketUrlArgument(const QCommandLineParser &parser, QString *error);

} // namespace QtWs::Tools

#endif // QTWS_TOOLS_COMMANDLINE_H
