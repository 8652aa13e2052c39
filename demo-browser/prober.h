// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_PROBER_H
#define QTWSDEMO_PROBER_H

#include <qtws/global.h>
#include <qtws/proxyresolver.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>

#include <functional>

class ProxyCredentials;
namespace QtWs {
class WebSocket;
}

/*!
    \class Prober
    \brief The diagnostics page's probe call: resolves a URL with the browser's proxy
    configuration, then tries every strategy through every entry of the proxy list, one after
    the other, not stopping at the first that works (as qtws-probe does), and answers with every
    attempt.

    Each run is a QtWs::WebSocket pinned to one hop (a manual configuration of that entry alone)
    and one strategy, without the strategy cache; a run that connects is closed at once. A
    strategy that does not apply to a hop (the planner says so without an attempt) is left out.
    \since 0.2
*/
class Prober : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const QJsonObject &result)>;

    Prober(ProxyCredentials *credentials, QObject *parent = nullptr);

    /*! Probes \a url and calls \a done with {url, resolution, runs: [{hop, strategy, works,
        error, attempts}], works}; \a done is not called when this object goes away first. */
    void probe(const QUrl &url, Callback done);

private:
    struct Job
    {
        QUrl url;
        Callback done;
        QList<QtWs::ProxyCandidate> hops;
        qsizetype hop = 0;
        qsizetype strategy = 0;
        QJsonObject result;
        QJsonArray runs;
    };
    void resolved(std::shared_ptr<Job> job, const QtWs::ProxyResolution &resolution);
    void next(std::shared_ptr<Job> job);
    void finished(std::shared_ptr<Job> job, QtWs::WebSocket *socket);

    ProxyCredentials *const m_credentials;
};

#endif // QTWSDEMO_PROBER_H
