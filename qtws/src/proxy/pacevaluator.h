// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACEVALUATOR_H
#define QTWS_PACEVALUATOR_H

#include <qtws/proxycandidate.h>
#include <qtws/qtws_export.h>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <functional>
#include <memory>
#include <vector>

namespace QtWs {

/*! \internal One PAC evaluation as the resolver sees it. */
struct QTWS_EXPORT PacOutcome
{
    QString raw; // the string FindProxyForURL returned
    QList<ProxyCandidate> candidates; // usable entries, in order
    QStringList warnings; // skipped entries
    QString errorString; // why evaluation failed (script name and line); empty when it answered
    /*! True when the script answered, even with nothing usable in the answer. */
    bool isValid() const noexcept { return errorString.isEmpty(); }
};

/*!
    \internal
    The resolver's view of a PAC engine loaded with one script: the seam between resolution policy
    (this folder) and JavaScript evaluation (pac/). Tests of the policy can inject their own
    factory.
*/
class QTWS_EXPORT PacEvaluator
{
public:
    using Callback = std::function<void(const PacOutcome &)>;
    virtual ~PacEvaluator();
    /*! Evaluates the script for \a url; \a callback runs later on the caller's thread unless
        \a context dies. */
    virtual void evaluate(const QUrl &url, const QObject *context, Callback callback) = 0;
};

/*! \internal Makes an evaluator for \a script, named \a origin in its candidates and errors. */
using PacEvaluatorFactory = std::function<std::unique_ptr<PacEvaluator>(
    const QString &script, const QString &origin, ProxyCandidate::Source source)>;

/*! \internal The factory backed by the PAC engine (QJSEngine on a worker thread). */
QTWS_EXPORT PacEvaluatorFactory defaultPacEvaluatorFactory();

/*!
    \internal
    Keeps a replaced evaluator alive while its evaluations are in flight: destroying a PAC engine
    drops its pending callbacks, which would leave requests unanswered. Such an evaluator is
    retired, and destroyed once its last evaluation has ended.
*/
class PacEvaluatorLifetime
{
public:
    /*! Puts \a next in \a slot, retiring the evaluator it held if it is busy. */
    void replace(std::unique_ptr<PacEvaluator> &slot, std::unique_ptr<PacEvaluator> next);
    /*! An evaluation of \a evaluator starts. */
    void started(PacEvaluator *evaluator);
    /*!
        An evaluation of \a evaluator ended (inside its callback): a retired evaluator with nothing
        left in flight is destroyed later from \a context's event loop.
    */
    void finished(PacEvaluator *evaluator, QObject *context);

private:
    QHash<PacEvaluator *, int> m_inFlight;
    std::vector<std::unique_ptr<PacEvaluator>> m_retired;
};

} // namespace QtWs

#endif // QTWS_PACEVALUATOR_H
