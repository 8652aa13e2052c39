// SPDX-License-Identifier: LGPL-3.0-or-later
#include "webpage.h"

Q_LOGGING_CATEGORY(lcQtwsDemoConsole, "qtws.demo.console", QtWarningMsg)

void WebPage::javaScriptConsoleMessage(
    JavaScriptConsoleMessageLevel level, const QString &message, int line, const QString &source)
{
    static const char *const levels[] = {"info", "warning", "error"};
    qCDebug(lcQtwsDemoConsole, "[%p] %s: %s (%s:%d)", static_cast<void *>(this),
        levels[qBound(0, int(level), 2)], qUtf8Printable(message), qUtf8Printable(source), line);
}
