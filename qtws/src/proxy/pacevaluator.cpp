// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacevaluator.h"

#include <QtCore/QPointer>

#ifdef QTWS_HAVE_PAC_ENGINE
#include "pac/pacengine.h"
#endif

namespace QtWs {

PacEvaluator::~PacEvaluator() = default;

namespace {

#ifdef QTWS_HAVE_PAC_ENGINE
class EnginePacEvaluator final : public PacEvaluator
{
public:
    EnginePacEvaluator(const QString &script, const QString &origin, ProxyCandidate::Source source)
    {
        m_engine.setScript(script, origin, source);
    }
    void evaluate(const QUrl &url, const QObject *context, Callback callback) override
    {
        m_engine.findProxyForUrl(
            url, context, [callback = std::move(callback)](const PacResult &result) {
                PacOutcome outcome;
                // A string with nothing usable in it is an answer, not an evaluation failure: the
                // resolver reports it as PacNoUsableProxy.
                outcome.ok = result.ok() || result.error == PacError::UnparsableResult
                    || result.error == PacError::EmptyResult;
                outcome.raw = result.raw;
                outcome.candidates = result.candidates;
                outcome.warnings = result.warnings;
                outcome.errorString = result.errorString;
                callback(outcome);
            });
    }

private:
    PacEngine m_engine;
};
#else
// This build has no PAC engine: every PAC configuration fails (closed, unless the fallback is opted
// into).
class MissingPacEvaluator final : public PacEvaluator
{
public:
    explicit MissingPacEvaluator(const QString &origin)
        : m_origin(origin)
    { }
    void evaluate(const QUrl &, const QObject *context, Callback callback) override
    {
        PacOutcome outcome;
        outcome.errorString
            = QStringLiteral("PAC %1: this build of qtws has no PAC engine").arg(m_origin);
        QPointer<const QObject> guard(context);
        QMetaObject::invokeMethod(
            const_cast<QObject *>(context),
            [guard, callback = std::move(callback), outcome]() {
                if (guard)
                    callback(outcome);
            },
            Qt::QueuedConnection);
    }

private:
    QString m_origin;
};
#endif

} // namespace

PacEvaluatorFactory defaultPacEvaluatorFactory()
{
    return [](const QString &script, const QString &origin,
               ProxyCandidate::Source source) -> std::unique_ptr<PacEvaluator> {
#ifdef QTWS_HAVE_PAC_ENGINE
        return std::make_unique<EnginePacEvaluator>(script, origin, source);
#else
        Q_UNUSED(script);
        Q_UNUSED(source);
        return std::make_unique<MissingPacEvaluator>(origin);
#endif
    };
}

} // namespace QtWs
