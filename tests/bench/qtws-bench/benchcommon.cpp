// SPDX-License-Identifier: LGPL-3.0-or-later
#include "benchcommon.h"

#include <QtCore/QFile>

#include <algorithm>
#include <ctime>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

namespace QtWsBench {

namespace {
struct KindName
{
    Kind kind;
    const char *name;
};
constexpr KindName kKinds[] = {{Kind::Echo, "echo"}, {Kind::Latency, "latency"},
    {Kind::Burst, "burst"}, {Kind::Frag, "frag"}, {Kind::Connect, "connect"}, {Kind::Idle, "idle"}};
} // namespace

QString kindName(Kind k)
{
    for (const auto &e : kKinds) {
        if (e.kind == k)
            return QString::fromLatin1(e.name);
    }
    return {};
}

QString payloadName(Payload p)
{
    switch (p) {
    case Payload::Binary:
        return QStringLiteral("binary");
    case Payload::Ascii:
        return QStringLiteral("ascii");
    case Payload::Utf8:
        return QStringLiteral("utf8");
    }
    return {};
}

QStringList WorkerParams::toArguments() const
{
    return {QStringLiteral("--impl"), impl, QStringLiteral("--kind"), kindName(kind),
        QStringLiteral("--payload"), payloadName(payload), QStringLiteral("--size"),
        QString::number(size), QStringLiteral("--inflight"), QString::number(inflight),
        QStringLiteral("--count"), QString::number(count), QStringLiteral("--frag-size"),
        QString::number(fragSize), QStringLiteral("--burst"), QString::number(burstCount),
        QStringLiteral("--path"), path, QStringLiteral("--host"), host, QStringLiteral("--port"),
        QString::number(port), QStringLiteral("--warmup-ms"), QString::number(warmupMs),
        QStringLiteral("--duration-ms"), QString::number(durationMs),
        QStringLiteral("--proxy-port"), QString::number(proxyPort)};
}

WorkerParams WorkerParams::fromArguments(const QStringList &args, QString *error)
{
    WorkerParams p;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--worker"))
            continue;
        if (i + 1 >= args.size()) {
            *error = QStringLiteral("missing value after %1").arg(a);
            return p;
        }
        const QString v = args.at(++i);
        if (a == QLatin1String("--impl")) {
            p.impl = v;
        } else if (a == QLatin1String("--kind")) {
            bool found = false;
            for (const auto &e : kKinds) {
                if (v == QLatin1String(e.name)) {
                    p.kind = e.kind;
                    found = true;
                }
            }
            if (!found)
                *error = QStringLiteral("unknown kind \"%1\"").arg(v);
        } else if (a == QLatin1String("--payload")) {
            if (v == QLatin1String("binary"))
                p.payload = Payload::Binary;
            else if (v == QLatin1String("ascii"))
                p.payload = Payload::Ascii;
            else if (v == QLatin1String("utf8"))
                p.payload = Payload::Utf8;
            else
                *error = QStringLiteral("unknown payload \"%1\"").arg(v);
        } else if (a == QLatin1String("--size")) {
            p.size = v.toLongLong();
        } else if (a == QLatin1String("--inflight")) {
            p.inflight = std::max(1, v.toInt());
        } else if (a == QLatin1String("--count")) {
            p.count = std::max(1, v.toInt());
        } else if (a == QLatin1String("--frag-size")) {
            p.fragSize = std::max(1, v.toInt());
        } else if (a == QLatin1String("--burst")) {
            p.burstCount = std::max(1, v.toInt());
        } else if (a == QLatin1String("--path")) {
            p.path = v;
        } else if (a == QLatin1String("--host")) {
            p.host = v;
        } else if (a == QLatin1String("--port")) {
            p.port = v.toInt();
        } else if (a == QLatin1String("--proxy-port")) {
            p.proxyPort = v.toInt();
        } else if (a == QLatin1String("--warmup-ms")) {
            p.warmupMs = v.toInt();
        } else if (a == QLatin1String("--duration-ms")) {
            p.durationMs = v.toInt();
        } else {
            *error = QStringLiteral("unknown worker option %1").arg(a);
        }
    }
    return p;
}

QJsonObject WorkerResult::toJson() const
{
    QJsonObject o;
    if (!error.isEmpty())
        o.insert(QStringLiteral("error"), error);
    if (!unsupported.isEmpty())
        o.insert(QStringLiteral("unsupported"), unsupported);
    o.insert(QStringLiteral("messages"), messages);
    o.insert(QStringLiteral("bytes"), bytes);
    o.insert(QStringLiteral("seconds"), seconds);
    o.insert(QStringLiteral("cpu_seconds"), cpuSeconds);
    o.insert(QStringLiteral("max_rss_kb"), maxRssKb);
    o.insert(QStringLiteral("p50_us"), p50Us);
    o.insert(QStringLiteral("p99_us"), p99Us);
    o.insert(QStringLiteral("rss_per_conn_kb"), rssPerConnKb);
    o.insert(QStringLiteral("heap_per_conn_kb"), heapPerConnKb);
    return o;
}

WorkerResult WorkerResult::fromJson(const QJsonObject &o)
{
    WorkerResult r;
    r.error = o.value(QStringLiteral("error")).toString();
    r.unsupported = o.value(QStringLiteral("unsupported")).toString();
    r.messages = o.value(QStringLiteral("messages")).toInteger();
    r.bytes = o.value(QStringLiteral("bytes")).toInteger();
    r.seconds = o.value(QStringLiteral("seconds")).toDouble();
    r.cpuSeconds = o.value(QStringLiteral("cpu_seconds")).toDouble();
    r.maxRssKb = o.value(QStringLiteral("max_rss_kb")).toInteger();
    r.p50Us = o.value(QStringLiteral("p50_us")).toDouble(-1);
    r.p99Us = o.value(QStringLiteral("p99_us")).toDouble(-1);
    r.rssPerConnKb = o.value(QStringLiteral("rss_per_conn_kb")).toDouble(-1);
    r.heapPerConnKb = o.value(QStringLiteral("heap_per_conn_kb")).toDouble(-1);
    return r;
}

double processCpuSeconds()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
        + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

qint64 peakRssKb()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss; // KiB on Linux
}

qint64 currentRssKb()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    if (fields.size() < 2)
        return -1;
    return fields.at(1).toLongLong() * (sysconf(_SC_PAGESIZE) / 1024);
}

double otherProcessCpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray s = f.readAll();
    // Fields after the parenthesised command name (which may hold spaces): utime is field 14,
    // stime 15.
    const int close = s.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = s.mid(close + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks;
}

double heapInUseKb()
{
    const struct mallinfo2 m = mallinfo2();
    return double(m.uordblks + m.hblkhd) / 1024.0;
}

qint64 nowNs()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double percentileUs(std::vector<qint64> &samples, double q)
{
    if (samples.empty())
        return -1;
    const size_t idx = std::min(samples.size() - 1, size_t(q * double(samples.size())));
    std::nth_element(samples.begin(), samples.begin() + idx, samples.end());
    return double(samples[idx]) / 1000.0;
}

QByteArray makePayload(Payload p, qint64 size)
{
    QByteArray out;
    out.reserve(size);
    if (p == Payload::Utf8) {
        // A mix of 1-, 2-, 3- and 4-byte sequences, cut at a character boundary, padded with ASCII.
        const QByteArray unit
            = QByteArrayLiteral("qtws h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 "
                                "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89 ");
        while (out.size() + unit.size() <= size)
            out.append(unit);
    } else if (p == Payload::Ascii) {
        const QByteArray unit = QByteArrayLiteral("The quick brown fox jumps over the lazy dog. ");
        while (out.size() + unit.size() <= size)
            out.append(unit);
    } else {
        for (qint64 i = 0; i < size; ++i)
            out.append(char((i * 131 + 7) & 0xff));
        return out;
    }
    while (out.size() < size)
        out.append('.');
    return out;
}

void raiseFileLimit()
{
    rlimit rl {};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

} // namespace QtWsBench
