// SPDX-License-Identifier: LGPL-3.0-or-later
#include "screenshottaker.h"

#include "browsertab.h"
#include "mainwindow.h"
#include "tabwidget.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QPointer>
#include <QtGui/QPixmap>

ScreenshotTaker::ScreenshotTaker(MainWindow *window, const QString &path, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_path(path)
{
    // Asking the page is a round trip to the renderer; a script has no event for "drawn".
    m_poll.setInterval(250);
    connect(&m_poll, &QTimer::timeout, this, &ScreenshotTaker::check);
}

void ScreenshotTaker::start()
{
    m_deadline.setRemainingTime(Deadline);
    m_poll.start();
}

void ScreenshotTaker::check()
{
    if (m_deadline.hasExpired()) {
        take(false);
        return;
    }
    BrowserTab *tab = m_window->tabs()->currentTab();
    if (!tab || m_asking)
        return;
    m_asking = true;
    QPointer<ScreenshotTaker> self(this);
    tab->page()->runJavaScript(QStringLiteral("!!(document.body && document.body.dataset.ready)"),
        [self](const QVariant &ready) {
            if (!self)
                return;
            self->m_asking = false;
            if (ready.toBool() && self->m_poll.isActive())
                self->take(true);
        });
}

void ScreenshotTaker::take(bool ready)
{
    m_poll.stop();
    if (!ready)
        qWarning("qtws-demo-browser: the page did not say it was ready within 30 s; taking the "
                 "screenshot anyway");
    // One more turn of the event loop so that the last frame the page drew is composited.
    QTimer::singleShot(500, this, [this] {
        const bool saved = m_window->grab().save(m_path, "PNG");
        if (saved)
            qInfo("qtws-demo-browser: saved %s", qUtf8Printable(m_path));
        else
            qWarning("qtws-demo-browser: cannot write %s", qUtf8Printable(m_path));
        QCoreApplication::exit(saved ? 0 : 1);
    });
}
