// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pacscriptcache.h"

#include "pacfetcher.h"

#include "protocol/url.h"

namespace QtWs {

PacScriptCache::AnswerKey PacScriptCache::answerKey(
    quint32 scriptId, const QUrl &url, const QString &host)
{
    // ws and http share answers, as wss and https do (0: plain, 1: TLS, 2: another scheme); the
    // port is the effective one.
    const QString scheme = url.scheme();
    const quint32 kind = Protocol::isSecureScheme(scheme) ? 1
        : Protocol::defaultPort(scheme) != -1             ? 0
                                                          : 2;
    const quint32 port = quint32(Protocol::effectivePort(url)) & 0xffff;
    return AnswerKey {scriptId, (kind << 16) | port, host};
}

const PacScript *PacScriptCache::find(const QUrl &pacUrl) const
{
    if (m_last && pacUrl == m_lastUrl)
        return m_last;
    const auto it = m_scripts.find(pacUrl.toString(QUrl::FullyEncoded));
    if (it == m_scripts.end())
        return nullptr;
    m_lastUrl = pacUrl;
    m_last = it->second.get();
    return m_last;
}

PacScript &PacScriptCache::get(
    const QUrl &pacUrl, ProxyCandidate::Source source, const QUrl &fetchUrl)
{
    const QString key = pacUrl.toString(QUrl::FullyEncoded);
    auto &slot = m_scripts[key];
    if (!slot) {
        slot = std::make_unique<PacScript>();
        slot->id = m_nextId++;
        slot->key = key;
        slot->origin = pacDisplayUrl(pacUrl);
        slot->source = source;
    }
    slot->fetchUrl = fetchUrl;
    return *slot;
}

PacScript *PacScriptCache::byKey(const QString &key, quint32 scriptId)
{
    const auto it = m_scripts.find(key);
    if (it == m_scripts.end() || it->second->id != scriptId)
        return nullptr;
    return it->second.get();
}

const ProxyResolution *PacScriptCache::answer(const AnswerKey &key, qint64 now) const
{
    const auto it = m_answers.constFind(key);
    if (it == m_answers.constEnd() || it->expiresAt <= now)
        return nullptr;
    return &it->answer;
}

void PacScriptCache::storeAnswer(
    const AnswerKey &key, const ProxyResolution &answer, qint64 expiresAt)
{
    m_answers.insert(key, CachedAnswer {answer, expiresAt});
}

void PacScriptCache::dropAnswers(quint32 scriptId)
{
    for (auto it = m_answers.begin(); it != m_answers.end();) {
        if (it.key().scriptId == scriptId)
            it = m_answers.erase(it);
        else
            ++it;
    }
}

void PacScriptCache::networkChanged()
{
    m_answers.clear();
    for (auto &entry : m_scripts) {
        entry.second->stale = true;
        entry.second->lastError.clear();
        entry.second->lastAttempt = 0;
    }
}

} // namespace QtWs
