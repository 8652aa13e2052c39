// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pollbench.h"

#include "benchcommon.h"

#include <qtws/websocket.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkProxy>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <vector>

#include <unistd.h>

namespace QtWsBench {

namespace {

constexpr int kSlackMs = 30000; //!< beyond warm-up and window before the worker gives up

double percentileUs(std::vector<qint64> samples, double q)
{
    if (samples.empty())
        return -1;
    std::sort(samples.begin(), samples.end());
    const size_t i = std::min(samples.size() - 1, size_t(q * double(samples.size())));
    return double(samples[i]) / 1000;
}

void printLine(const QJsonObject &o)
{
    std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

int failWith(const QString &why)
{
    printLine(QJsonObject {{QStringLiteral("error"), why}});
    return 1;
}

class PollWorker
{
public:
    PollWorker(int size, int inflight, int warmupMs, int durationMs)
        : m_payload(size, QLatin1Char('x'))
        , m_inflight(inflight)
        , m_warmupMs(warmupMs)
        , m_durationMs(durationMs)
    { }

    void start(const QUrl &url, int proxyPort)
    {
        QtWs::WebSocketOptions o;
        o.setStrategies({QtWs::Strategy::Polling});
        if (proxyPort > 0)
            o.setProxy(QNetworkProxy(
                QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), quint16(proxyPort)));
        m_ws.setOptions(o);
        QObject::connect(&m_ws, &QtWs::WebSocket::connected, &m_ws, [this] { opened(); });
        QObject::connect(&m_ws, &QtWs::WebSocket::textMessageReceived, &m_ws,
            [this](const QString &m) { received(m); });
        QObject::connect(&m_ws, &QtWs::WebSocket::errorOccurred, &m_ws, [this] {
            QCoreApplication::exit(failWith(QStringLiteral("qtws: ") + m_ws.errorString()));
        });
        QTimer::singleShot(m_warmupMs + m_durationMs + kSlackMs, &m_ws,
            [] { QCoreApplication::exit(failWith(QStringLiteral("timeout"))); });
        m_ws.open(url);
    }

private:
    void sendOne()
    {
        m_sent.push_back(nowNs());
        m_ws.sendTextMessage(m_payload);
    }

    void opened()
    {
        for (int i = 0; i < m_inflight; ++i)
            sendOne();
        QTimer::singleShot(m_warmupMs, &m_ws, [this] {
            m_counting = true;
            m_t0 = nowNs();
            m_cpu0 = otherProcessCpuSeconds(getpid());
            QTimer::singleShot(m_durationMs, &m_ws, [this] { report(); });
        });
    }

    void received(const QString &m)
    {
        if (m.size() != m_payload.size()) {
            QCoreApplication::exit(failWith(QStringLiteral("echo of %1 bytes, expected %2")
                                                .arg(m.size())
                                                .arg(m_payload.size())));
            return;
        }
        const qint64 start = m_sent.front();
        m_sent.pop_front();
        ++m_total;
        if (m_counting) {
            ++m_messages;
            m_bytes += m.size();
            m_samples.push_back(nowNs() - start);
        }
        sendOne();
    }

    void report()
    {
        const double secs = double(nowNs() - m_t0) / 1e9;
        const double cpu = otherProcessCpuSeconds(getpid()) - m_cpu0;
        m_ws.disconnect();
        printLine(QJsonObject {{QStringLiteral("messages"), m_messages},
            {QStringLiteral("bytes"), m_bytes}, {QStringLiteral("totalMessages"), m_total},
            {QStringLiteral("seconds"), secs}, {QStringLiteral("procCpuSeconds"), cpu},
            {QStringLiteral("cpuSeconds"), cpu},
            {QStringLiteral("p50Us"), percentileUs(m_samples, 0.5)},
            {QStringLiteral("p99Us"), percentileUs(m_samples, 0.99)}});
        m_ws.abort();
        QCoreApplication::exit(0);
    }

    QtWs::WebSocket m_ws;
    const QString m_payload;
    const int m_inflight;
    const int m_warmupMs;
    const int m_durationMs;
    std::deque<qint64> m_sent;
    std::vector<qint64> m_samples;
    bool m_counting = false;
    qint64 m_t0 = 0;
    double m_cpu0 = 0;
    qint64 m_messages = 0;
    qint64 m_bytes = 0;
    qint64 m_total = 0;
};

} // namespace

int runPollWorker(const QStringList &args)
{
    const int at = int(args.indexOf(QLatin1String("--poll-worker")));
    const QStringList a = args.mid(at + 1);
    if (a.size() < 5)
        return failWith(QStringLiteral(
            "usage: --poll-worker URL SIZE INFLIGHT WARMUP_MS DURATION_MS [PROXY_PORT]"));
    PollWorker w(a.at(1).toInt(), a.at(2).toInt(), a.at(3).toInt(), a.at(4).toInt());
    w.start(QUrl(a.at(0)), a.size() > 5 ? a.at(5).toInt() : 0);
    return QCoreApplication::exec();
}

} // namespace QtWsBench
