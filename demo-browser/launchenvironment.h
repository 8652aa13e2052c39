// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_LAUNCHENVIRONMENT_H
#define QTWSDEMO_LAUNCHENVIRONMENT_H

#include <QtCore/QString>

class BrowserOptions;

/*!
    \class LaunchEnvironment
    \brief What must be checked and set before QApplication exists: a display to show the
    window on (or the offscreen platform), Chromium's sandbox as root, and the environment Qt
    WebEngine reads when it starts (DevTools, proxy switches).
    \since 0.2
*/
class LaunchEnvironment
{
public:
    /*! Why the browser cannot start here, with how to run it instead; empty when it can. */
    static QString problem();
    /*! Sets QTWEBENGINE_REMOTE_DEBUGGING for --remote-debugging and adds the proxy switches
        of \a options to QTWEBENGINE_CHROMIUM_FLAGS. */
    static void prepare(const BrowserOptions &options);
    /*! Where DevTools listen ("127.0.0.1:9222"), from QTWEBENGINE_REMOTE_DEBUGGING; empty if
        not asked for. */
    static QString devToolsAddress();
};

#endif // QTWSDEMO_LAUNCHENVIRONMENT_H
