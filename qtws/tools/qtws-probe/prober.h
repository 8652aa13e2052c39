// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROBER_H
#define QTWS_PROBER_H

#include "credentialprompt.h"

#include <qtws/connectreport.h>
#include <qtws/proxyresolver.h>
#include <qtws/websocket.h>

#include <QtCore/QObject>

/*!
    \brief One strategy through one entry of the proxy list, and what came of it.
*/
struct ProbeRow
{
    enum class Result {
        Pending, //!< not run yet
        Works, //!< a valid 101: the connection was open (and closed again at once)
        Fails, //!< the attempt failed; reason says why
        NotApplicable, //!< the strategy does not apply to this hop (or this URL)
    };

    qsizetype hopIndex = 0; //!< index in the resolution's candidates
    QtWs::ProxyCandidate hop;
    QtWs::Strategy strategy = QtWs::Strategy::Direct;
    Result result = Result::Pending;
    QtWs::WebSocket::Error error = QtWs::WebSocket::Error::NoError;
    QString errorString;
    QtWs::ConnectReport report; //!< the report of this row's WebSocket
    QString reason; //!< the attempt's reason, the planner's note, or the error

    /*! The row's one attempt (empty when the strategy did not apply). */
    QtWs::ConnectAttempt attempt() const;
    bool hasAttempt() const { return !report.attempts().isEmpty(); }
};

/*!
    \class Prober
    \brief qtws-probe's work: resolves the URL's proxy candidates with the configuration the
    command line chose, then opens one QtWs::WebSocket per (candidate, strategy) of
    QtWs::allStrategies(), each restricted to that one hop and that one strategy with the strategy
    cache off, so every way is tried, also after one worked. Up to MaxParallelPerHop attempts run
    at once through one hop; hops run one after the other. The rows keep the order candidate,
    then strategy, whatever order the attempts end in.
*/
class Prober : public QObject
{
    Q_OBJECT
public:
    /*! Most attempts running at once through one hop (a proxy sees at most this many). */
    static constexpr int MaxParallelPerHop = 3;

    Prober(const QUrl &url, const QtWs::WebSocketOptions &options, QObject *parent = nullptr);
    ~Prober() override;

    void start();
    QUrl url() const { return m_url; }
    QtWs::ProxyResolution resolution() const { return m_resolution; }
    const QList<ProbeRow> &rows() const { return m_rows; }

Q_SIGNALS:
    /*! Every row has its result (or the resolution failed). */
    void finished();

private:
    void onResolved(const QtWs::ProxyResolution &resolution);
    void pump();
    void launch(qsizetype index);
    void record(qsizetype index, QtWs::WebSocket *socket);
    QtWs::WebSocketOptions optionsFor(const ProbeRow &row) const;

    QUrl m_url;
    QtWs::WebSocketOptions m_options;
    QtWs::ProxyResolver m_resolver;
    QtWs::Tools::CredentialPrompt m_prompt;
    QtWs::ProxyResolution m_resolution;
    QList<ProbeRow> m_rows;
    qsizetype m_next = 0;
    qsizetype m_currentHop = 0;
    int m_running = 0;
};

#endif // QTWS_PROBER_H
