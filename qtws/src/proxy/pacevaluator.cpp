// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacevaluator.h"

#include "pac/pacengine.h"

#include <algorithm>

namespace QtWs {

PacEvaluator::~PacEvaluator() = default;

namespace {

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
                outcome.raw = result.raw;
                outcome.candidates = result.candidates;
                outcome.warnings = result.warnings;
                // A string with nothing usable in it is an answer, not an evaluation failure: the
                // resolver reports it as PacNoUsableProxy.
                if (!result.isValid() && result.error != PacError::UnparsableResult
                    && result.error != PacError::EmptyResult)
                    outcome.errorString = result.errorString;
                callback(outcome);
            });
    }

private:
    PacEngine m_engine;
};

} // namespace

PacEvaluatorFactory defaultPacEvaluatorFactory()
{
    return [](const QString &script, const QString &origin,
               ProxyCandidate::Source source) -> std::unique_ptr<PacEvaluator> {
        return std::make_unique<EnginePacEvaluator>(script, origin, source);
    };
}

void PacEvaluatorLifetime::replace(
    std::unique_ptr<PacEvaluator> &slot, std::unique_ptr<PacEvaluator> next)
{
    if (slot && m_inFlight.contains(slot.get()))
        m_retired.push_back(std::move(slot));
    slot = std::move(next);
}

void PacEvaluatorLifetime::started(PacEvaluator *evaluator)
{
    ++m_inFlight[evaluator];
}

void PacEvaluatorLifetime::finished(PacEvaluator *evaluator, QObject *context)
{
    const auto it = m_inFlight.find(evaluator);
    if (it == m_inFlight.end() || --*it > 0)
        return;
    m_inFlight.erase(it);
    // Destroy a retired evaluator later: this runs inside its own callback.
    const auto r = std::find_if(m_retired.begin(), m_retired.end(),
        [evaluator](const std::unique_ptr<PacEvaluator> &e) { return e.get() == evaluator; });
    if (r == m_retired.end())
        return;
    std::shared_ptr<PacEvaluator> doomed(std::move(*r));
    m_retired.erase(r);
    QMetaObject::invokeMethod(
        context, [doomed]() {}, Qt::QueuedConnection);
}

} // namespace QtWs
