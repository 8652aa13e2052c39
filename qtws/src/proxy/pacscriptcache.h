// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACSCRIPTCACHE_H
#define QTWS_PACSCRIPTCACHE_H

#include "pacevaluator.h"

#include <qtws/proxyresolver.h>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QUrl>

#include <functional>
#include <memory>
#include <unordered_map>

namespace QtWs {

/*! \internal One PAC script the resolver uses: its fetch state, the evaluator loaded with it. */
struct PacScript
{
    quint32 id = 0;
    QString key; // the PAC URL, fully encoded
    QUrl fetchUrl;
    QString origin; // the URL as shown in candidates and messages
    ProxyCandidate::Source source = ProxyCandidate::Source::Pac;
    QString script;
    std::unique_ptr<PacEvaluator> evaluator;
    qint64 fetchedAt = 0; // of the current good script
    bool stale = false; // network changed: fetch again before the next use
    qint64 lastAttempt = 0; // of the last failed fetch
    QString lastError;
    bool fetching = false;
    QList<std::function<void()>> waiters;
};

/*!
    \internal
    The PAC scripts a resolver has fetched, by PAC URL, and the answers their evaluators gave, by
    (script, scheme, port, host). Scripts are never removed, so references to them stay valid.
*/
class PacScriptCache
{
public:
    /*! The key of an answer of script \a scriptId for \a url (whose host is \a host). */
    struct AnswerKey
    {
        quint32 scriptId;
        quint32 schemeAndPort;
        QString host;
        friend bool operator==(const AnswerKey &a, const AnswerKey &b) noexcept
        {
            return a.scriptId == b.scriptId && a.schemeAndPort == b.schemeAndPort
                && a.host == b.host;
        }
        friend size_t qHash(const AnswerKey &key, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, key.scriptId, key.schemeAndPort, key.host);
        }
    };
    static AnswerKey answerKey(quint32 scriptId, const QUrl &url, const QString &host);

    /*! The script for \a pacUrl, or nullptr when it was never asked for. */
    const PacScript *find(const QUrl &pacUrl) const;
    /*! The script for \a pacUrl, made on first use; \a fetchUrl is where it is fetched from now. */
    PacScript &get(const QUrl &pacUrl, ProxyCandidate::Source source, const QUrl &fetchUrl);
    /*! The script fetched under \a key, if it is still script \a scriptId. */
    PacScript *byKey(const QString &key, quint32 scriptId);

    /*! The cached answer for \a key if it expires after \a now. */
    const ProxyResolution *answer(const AnswerKey &key, qint64 now) const;
    void storeAnswer(const AnswerKey &key, const ProxyResolution &answer, qint64 expiresAt);
    /*! Drops the answers of script \a scriptId (its script changed). */
    void dropAnswers(quint32 scriptId);
    /*!
        A network change: every answer is dropped, every script is fetched again before its next
        use (the old one is kept if that fails) and no fetch back-off carries over.
    */
    void networkChanged();

private:
    struct CachedAnswer
    {
        ProxyResolution answer;
        qint64 expiresAt;
    };
    std::unordered_map<QString, std::unique_ptr<PacScript>> m_scripts;
    mutable QUrl m_lastUrl; // find() memo: the fast path does not re-encode the PAC URL
    mutable const PacScript *m_last = nullptr;
    quint32 m_nextId = 1;
    QHash<AnswerKey, CachedAnswer> m_answers;
};

} // namespace QtWs

#endif // QTWS_PACSCRIPTCACHE_H
