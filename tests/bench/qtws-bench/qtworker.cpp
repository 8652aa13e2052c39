// SPDX-License-Identifier: LGPL-3.0-or-later
// The worker for event-loop clients: drives one scenario through a ClientAdapter and measures a
// window after the warm-up. Runs in its own process (spawned by the driver) so that CPU time and
// RSS are its own.
#include "clientadapter.h"
#include "workers.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <vector>

namespace QtWsBench {

namespace {

constexpr int kConnectTimeoutMs = 20000;
constexpr int kIdleSettleMs
    = 300; // let deferred allocations (buffers, timers) happen before reading RSS

class QtWorker
{
public:
    explicit QtWorker(const WorkerParams &p)
        : m_p(p)
    {
        m_url = QUrl(QStringLiteral("ws://%1:%2%3").arg(p.host).arg(p.port).arg(p.path));
        const QByteArray bytes
            = p.kind == Kind::Burst ? QByteArray(1, 't') : makePayload(p.payload, p.size);
        m_out.bytes = bytes;
        m_out.isText = p.payload != Payload::Binary;
        if (m_out.isText)
            m_out.text = QString::fromUtf8(bytes);
        m_expected = {bytes.size(), m_out.text.size()};
        if (p.kind == Kind::Burst)
            m_expected = {p.size, p.size};
    }

    void start()
    {
        QTimer::singleShot(kConnectTimeoutMs + m_p.warmupMs + m_p.durationMs * 4, &m_context,
            [this] { fail(QStringLiteral("timed out")); });
        switch (m_p.kind) {
        case Kind::Echo:
        case Kind::Latency:
        case Kind::Burst:
        case Kind::Frag:
            startStream();
            break;
        case Kind::Connect:
            startConnect();
            break;
        case Kind::Idle:
            startIdle();
            break;
        }
    }

private:
    std::unique_ptr<ClientAdapter> newClient()
    {
        auto c = createAdapter(m_p.impl);
        if (!c) {
            fail(QStringLiteral("implementation \"%1\" is not built in").arg(m_p.impl));
            return nullptr;
        }
        c->onError = [this](const QString &e) { fail(QStringLiteral("client error: %1").arg(e)); };
        if (m_p.proxyPort > 0)
            c->setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, m_p.host, quint16(m_p.proxyPort)));
        return c;
    }

    // ---- one connection, a stream of messages ----
    void startStream()
    {
        m_client = newClient();
        if (!m_client)
            return;
        m_client->onConnected = [this] {
            QTimer::singleShot(m_p.warmupMs, &m_context, [this] { beginWindow(); });
            const int n = m_p.kind == Kind::Latency ? 1 : m_p.inflight;
            for (int i = 0; i < n; ++i)
                sendOne();
        };
        m_client->onMessage = [this](qint64 size) { streamMessage(size); };
        // The first echo is compared byte for byte; the rest by size.
        m_client->verifyNext = true;
        m_client->onContent = [this](const QByteArray &content) {
            const QByteArray expected
                = m_p.kind == Kind::Burst ? QByteArray(int(m_p.size), 'x') : m_out.bytes;
            if (content != expected)
                fail(QStringLiteral("the first echo differs from what was sent (%1 bytes received)")
                         .arg(content.size()));
        };
        m_client->open(m_url);
    }

    void sendOne()
    {
        if (m_p.kind
            == Kind::Latency) // no clock read per message elsewhere: it would show in the profile
            m_sentAt = nowNs();
        m_client->send(m_out);
    }

    void streamMessage(qint64 size)
    {
        if (m_done)
            return;
        if (size != m_expected.first && size != m_expected.second) {
            fail(QStringLiteral("received %1 bytes, expected %2").arg(size).arg(m_expected.first));
            return;
        }
        ++m_messages;
        m_bytes += m_p.size;
        if (m_p.kind == Kind::Latency) {
            if (m_inWindow)
                m_samples.push_back(nowNs() - m_sentAt);
            sendOne();
        } else if (m_p.kind == Kind::Burst) {
            if (++m_burstReceived % m_p.burstCount == 0)
                sendOne();
        } else {
            sendOne();
        }
    }

    void beginWindow()
    {
        m_inWindow = true;
        m_messages0 = m_messages;
        m_bytes0 = m_bytes;
        m_cpu0 = processCpuSeconds();
        m_t0 = nowNs();
        QTimer::singleShot(m_p.durationMs, &m_context, [this] { endWindow(); });
    }

    void endWindow()
    {
        if (m_messages - m_messages0 < kMinWindowMessages) {
            QTimer::singleShot(m_p.durationMs / 4 + 1, &m_context, [this] { endWindow(); });
            return;
        }
        WorkerResult r;
        r.seconds = double(nowNs() - m_t0) / 1e9;
        r.cpuSeconds = processCpuSeconds() - m_cpu0;
        r.messages = m_messages - m_messages0;
        r.bytes = m_bytes - m_bytes0;
        r.maxRssKb = peakRssKb();
        r.p50Us = percentileUs(m_samples, 0.50);
        r.p99Us = percentileUs(m_samples, 0.99);
        finish(r);
    }

    // ---- connection setup rate ----
    void startConnect()
    {
        m_t0 = nowNs();
        connectNext();
    }

    void connectNext()
    {
        m_graveyard.clear();
        const qint64 elapsedMs = (nowNs() - m_t0) / 1000000;
        if (!m_inWindow && elapsedMs >= m_p.warmupMs) {
            m_inWindow = true;
            m_cpu0 = processCpuSeconds();
            m_tWindow = nowNs();
        }
        if (m_inWindow && (nowNs() - m_tWindow) / 1000000 >= m_p.durationMs) {
            WorkerResult r;
            r.seconds = double(nowNs() - m_tWindow) / 1e9;
            r.cpuSeconds = processCpuSeconds() - m_cpu0;
            r.messages = m_messages;
            r.maxRssKb = peakRssKb();
            r.p50Us = percentileUs(m_samples, 0.50);
            r.p99Us = percentileUs(m_samples, 0.99);
            finish(r);
            return;
        }
        m_client = newClient();
        if (!m_client)
            return;
        m_sentAt = nowNs();
        m_client->onConnected = [this] {
            if (m_inWindow) {
                m_samples.push_back(nowNs() - m_sentAt);
                ++m_messages;
            }
            m_client->onError = nullptr; // a deliberate abort is not a failure
            m_client->abort();
            // Deleted on the next turn: we are inside its signal.
            m_graveyard.push_back(std::move(m_client));
            QTimer::singleShot(0, &m_context, [this] { connectNext(); });
        };
        m_client->onMessage = [](qint64) {};
        m_client->open(m_url);
    }

    // ---- memory per idle connection ----
    void startIdle()
    {
        // One connection first so that every library and code path is loaded before the baseline.
        m_client = newClient();
        if (!m_client)
            return;
        m_client->onMessage = [](qint64) {};
        m_client->onConnected = [this] {
            m_client->onError = nullptr; // a deliberate abort is not a failure
            m_client->abort();
            m_graveyard.push_back(std::move(m_client));
            QTimer::singleShot(kIdleSettleMs, &m_context, [this] { openIdle(); });
        };
        m_client->open(m_url);
    }

    void openIdle()
    {
        m_graveyard.clear();
        m_rss0 = currentRssKb();
        m_heap0 = heapInUseKb();
        m_t0 = nowNs();
        m_cpu0 = processCpuSeconds();
        for (int i = 0; i < m_p.count; ++i) {
            auto c = newClient();
            if (!c)
                return;
            c->onMessage = [](qint64) {};
            c->onConnected = [this] {
                if (++m_messages == m_p.count) {
                    m_tWindow = nowNs();
                    QTimer::singleShot(kIdleSettleMs, &m_context, [this] { endIdle(); });
                }
            };
            c->open(m_url);
            m_idle.push_back(std::move(c));
        }
    }

    void endIdle()
    {
        WorkerResult r;
        r.seconds = double(m_tWindow - m_t0) / 1e9;
        r.cpuSeconds = processCpuSeconds() - m_cpu0;
        r.messages = m_messages;
        r.maxRssKb = peakRssKb();
        r.rssPerConnKb = double(currentRssKb() - m_rss0) / double(m_p.count);
        r.heapPerConnKb = (heapInUseKb() - m_heap0) / double(m_p.count);
        finish(r);
    }

    void fail(const QString &error)
    {
        WorkerResult r;
        r.error = error;
        finish(r);
    }

    void finish(const WorkerResult &r)
    {
        if (m_done)
            return;
        m_done = true;
        printResult(r);
        QCoreApplication::exit(r.error.isEmpty() ? 0 : 1);
    }

    WorkerParams m_p;
    QUrl m_url;
    Outgoing m_out;
    std::pair<qint64, qint64> m_expected;
    QObject m_context; // receiver for timers
    std::unique_ptr<ClientAdapter> m_client;
    std::vector<std::unique_ptr<ClientAdapter>> m_graveyard;
    std::vector<std::unique_ptr<ClientAdapter>> m_idle;
    std::vector<qint64> m_samples;
    qint64 m_messages = 0;
    qint64 m_bytes = 0;
    qint64 m_messages0 = 0;
    qint64 m_bytes0 = 0;
    qint64 m_burstReceived = 0;
    qint64 m_sentAt = 0;
    qint64 m_t0 = 0;
    qint64 m_tWindow = 0;
    qint64 m_rss0 = 0;
    double m_heap0 = 0;
    double m_cpu0 = 0;
    bool m_inWindow = false;
    bool m_done = false;
};

} // namespace

int runQtWorker(const WorkerParams &params)
{
    QtWorker worker(params);
    QTimer::singleShot(0, QCoreApplication::instance(), [&worker] { worker.start(); });
    return QCoreApplication::exec();
}

} // namespace QtWsBench
