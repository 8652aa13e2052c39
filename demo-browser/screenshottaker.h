// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_SCREENSHOTTAKER_H
#define QTWSDEMO_SCREENSHOTTAKER_H

#include <QtCore/QDeadlineTimer>
#include <QtCore/QObject>
#include <QtCore/QTimer>

class MainWindow;

/*!
    \class ScreenshotTaker
    \brief --screenshot FILE: saves a PNG of the window once the current page says it is ready
    (the bundled pages set \c document.body.dataset.ready after their first exchange or probe),
    or after 30 s, then quits the application (exit status 0 when the file was written).
    \since 0.2
*/
class ScreenshotTaker : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds Deadline {30000};

    ScreenshotTaker(MainWindow *window, const QString &path, QObject *parent = nullptr);
    void start();

private:
    void check();
    void take(bool ready);

    MainWindow *const m_window;
    const QString m_path;
    QTimer m_poll;
    QDeadlineTimer m_deadline;
    bool m_asking = false;
};

#endif // QTWSDEMO_SCREENSHOTTAKER_H
