// SPDX-License-Identifier: LGPL-3.0-or-later
// Shared pieces of qtws-bench: the worker parameters, the worker result, process accounting.
#ifndef QTWS_BENCH_COMMON_H
#define QTWS_BENCH_COMMON_H

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <cstdint>
#include <vector>

namespace QtWsBench {

/*! A measurement window is extended until at least this many messages completed in it, so that a
   slow or heavily loaded machine still yields a figure (the worker's overall timeout bounds the
   wait). */
constexpr qint64 kMinWindowMessages = 3;

/*! What a worker does with its connection(s). */
enum class Kind {
    Echo, //!< keep `inflight` messages of `size` bytes in flight, count echoes
    Latency, //!< one message in flight, record every round trip
    Burst, //!< send a 1-byte trigger, the server answers with many small frames in one write
    Frag, //!< send one message, the server echoes it as `fragSize`-byte fragments
    Connect, //!< open, wait until connected, abort; repeat
    Idle, //!< open `count` connections, measure the RSS they add
};

/*! The message payload a worker sends. */
enum class Payload {
    Binary, //!< binary frames (raw bytes for the raw-TCP baseline)
    Ascii, //!< text frames, ASCII only
    Utf8, //!< text frames, mixed 1-4 byte UTF-8 sequences
};

/*! Everything a worker needs; passed on its command line so that node workers get the same. */
struct WorkerParams
{
    QString impl; //!< raw, qt, qtws, ws
    Kind kind = Kind::Echo;
    Payload payload = Payload::Binary;
    qint64 size = 32;
    int inflight = 1;
    int count = 1000; //!< idle connections
    int fragSize = 64; //!< frag: fragment size
    int burstCount = 512;
    QString path = QStringLiteral("/echo");
    QString host = QStringLiteral("127.0.0.1");
    int port = 0;
    int proxyPort = 0; //!< non-zero: connect through the HTTP proxy on this loopback port (CONNECT)
    int warmupMs = 300;
    int durationMs = 1000;

    QStringList toArguments() const;
    static WorkerParams fromArguments(const QStringList &args, QString *error);
};

/*! What a worker measured in its window; printed as one JSON line. */
struct WorkerResult
{
    QString error; //!< non-empty: the run failed
    QString unsupported; //!< non-empty: the implementation cannot run this scenario (not a failure)
    qint64 messages = 0; //!< completed messages (or connections) in the window
    qint64 bytes = 0; //!< payload bytes received in the window
    double seconds = 0; //!< window length
    double cpuSeconds = 0; //!< user+sys of the whole worker process in the window
    qint64 maxRssKb = 0; //!< peak RSS of the worker process
    double p50Us = -1; //!< latency percentiles where they apply
    double p99Us = -1;
    double rssPerConnKb = -1; //!< idle: RSS delta / connections
    /*! idle: malloc'd bytes in use (delta) / connections: what the connections retain, without
        the heap's high-water mark that the burst of opens leaves in RSS. */
    double heapPerConnKb = -1;

    QJsonObject toJson() const;
    static WorkerResult fromJson(const QJsonObject &o);
};

QString kindName(Kind k);
QString payloadName(Payload p);

/*! user+sys CPU seconds of this process (all threads). */
double processCpuSeconds();
/*! Peak RSS of this process in KiB. */
qint64 peakRssKb();
/*! Heap bytes in use in this process (glibc mallinfo2(): small and mmap'ed blocks), in KiB. */
double heapInUseKb();
/*! Current RSS of this process in KiB (from /proc/self/statm). */
qint64 currentRssKb();
/*! CPU seconds used so far by another process, from /proc/<pid>/stat; -1 when unknown. */
double otherProcessCpuSeconds(qint64 pid);
/*! Monotonic nanoseconds. */
qint64 nowNs();
/*! Sorts `samples` (nanoseconds) and returns the q-quantile in microseconds. */
double percentileUs(std::vector<qint64> &samples, double q);
/*! A payload of exactly `size` UTF-8 bytes of the given kind (valid UTF-8 for text kinds). */
QByteArray makePayload(Payload p, qint64 size);
/*! Raises RLIMIT_NOFILE to its hard limit (idle scenario opens thousands of sockets). */
void raiseFileLimit();

} // namespace QtWsBench

#endif // QTWS_BENCH_COMMON_H
