// SPDX-License-Identifier: LGPL-3.0-or-later
#include "commandline.h"

#include "exitcode.h"

#include "protocol/url.h"

#include <qtws/global.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>

#include <cstdio>

namespace QtWs::Tools {

QCommandLineOption versionOption()
{
    return QCommandLineOption(QStringLiteral("version"), QStringLiteral("Print the version."));
}

std::optional<int> parseCommandLine(
    QCommandLineParser &parser, const QStringList &arguments, const QCommandLineOption &version)
{
    const QByteArray tool = QCoreApplication::applicationName().toUtf8();
    if (!parser.parse(arguments))
        return usageError(tool.constData(), parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(version)) {
        std::printf("%s %s\n", tool.constData(), QtWs::version());
        return 0;
    }
    return std::nullopt;
}

std::optional<QUrl> webSocketUrlArgument(const QCommandLineParser &parser, QString *error)
{
    const QStringList args = parser.positionalArguments();
    if (args.size() != 1) {
        *error = QStringLiteral("expected one URL (see --help)");
        return std::nullopt;
    }
    const QUrl url(args.first(), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || !Protocol::isWebSocketScheme(url.scheme())) {
        *error = QStringLiteral("not a ws:// or wss:// URL: %1").arg(args.first());
        return std::nullopt;
    }
    return url;
}

} // namespace QtWs::Tools
