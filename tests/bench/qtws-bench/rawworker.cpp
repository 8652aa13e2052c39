// SPDX-License-Identifier: LGPL-3.0-or-later
// The raw-TCP baseline: the same message patterns as the WebSocket workers, over plain TCP with a
// 4-byte length prefix (bit 31: more fragments follow), with what a fast client does: big reads,
// every reply of one read queued and written with one writev(), no copies of the payload. This is
// the machine's limit for a scenario.
#include "workers.h"

#include <QtCore/QByteArray>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace QtWsBench {

namespace {

constexpr size_t kReadBuffer = 1024 * 1024;
constexpr int kMaxIov = 512;
constexpr uint32_t kMoreBit = 0x80000000u;
constexpr qint64 kTimeoutNs = 30ll * 1000 * 1000 * 1000;
int connectTo(const WorkerParams &p, QString *error)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(p.port));
    inet_pton(AF_INET, p.host.toLatin1().constData(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        *error = QStringLiteral("connect: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        ::close(fd);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool writeAll(int fd, const char *data, size_t n)
{
    while (n > 0) {
        const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        n -= size_t(w);
    }
    return true;
}

QByteArray frame(const QByteArray &payload)
{
    const uint32_t v = htonl(uint32_t(payload.size()));
    return QByteArray(reinterpret_cast<const char *>(&v), 4) + payload;
}

// One connection, a stream of messages.
WorkerResult runStream(const WorkerParams &p)
{
    WorkerResult r;
    const int fd = connectTo(p, &r.error);
    if (fd < 0)
        return r;
    const QByteArray preface = "RAW " + p.path.toLatin1() + '\n';
    if (!writeAll(fd, preface.constData(), size_t(preface.size()))) {
        r.error = QStringLiteral("preface write failed");
        return r;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    const QByteArray msg
        = frame(p.kind == Kind::Burst ? QByteArray(1, 't') : makePayload(p.payload, p.size));
    const qint64 expected = p.kind == Kind::Burst ? p.size : p.size;
    // The send queue: `pending` copies of `msg`, the first one already `sentOfFirst` bytes in.
    qint64 pending = p.kind == Kind::Latency ? 1 : p.inflight;
    size_t sentOfFirst = 0;
    std::vector<char> rb(kReadBuffer);
    unsigned char hdr[4];
    int hdrHave = 0;
    uint64_t payloadLeft = 0;
    bool more = false;
    bool inPayload = false;
    qint64 messageBytes = 0;

    qint64 messages = 0, bytes = 0, messages0 = 0, bytes0 = 0, burstReceived = 0;
    std::vector<qint64> samples;
    const qint64 start = nowNs();
    qint64 sentAt = start, t0 = 0;
    double cpu0 = 0;
    bool inWindow = false;
    std::vector<iovec> iov(kMaxIov);

    auto completed = [&](qint64 size) -> bool {
        if (size != expected) {
            r.error = QStringLiteral("received %1 bytes, expected %2").arg(size).arg(expected);
            return false;
        }
        ++messages;
        bytes += p.size;
        if (p.kind == Kind::Latency) {
            if (inWindow)
                samples.push_back(nowNs() - sentAt);
            ++pending;
        } else if (p.kind == Kind::Burst) {
            if (++burstReceived % p.burstCount == 0)
                ++pending;
        } else {
            ++pending;
        }
        return true;
    };

    for (;;) {
        // Flush the queue with as few writev() calls as the socket allows.
        while (pending > 0) {
            const int n = int(std::min<qint64>(pending, kMaxIov));
            for (int i = 0; i < n; ++i) {
                iov[i].iov_base = const_cast<char *>(msg.constData());
                iov[i].iov_len = size_t(msg.size());
            }
            iov[0].iov_base = const_cast<char *>(msg.constData()) + sentOfFirst;
            iov[0].iov_len = size_t(msg.size()) - sentOfFirst;
            if (p.kind == Kind::Latency)
                sentAt = nowNs();
            ssize_t w = ::writev(fd, iov.data(), n);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                r.error = QStringLiteral("write failed");
                ::close(fd);
                return r;
            }
            if (size_t(w) < iov[0].iov_len) {
                sentOfFirst += size_t(w);
                break;
            }
            w -= ssize_t(iov[0].iov_len);
            --pending;
            const qint64 whole = w / msg.size();
            pending -= whole;
            sentOfFirst = size_t(w % msg.size());
            if (sentOfFirst > 0 || whole + 1 < n)
                break;
        }
        pollfd pfd {fd, short(POLLIN | (pending > 0 ? POLLOUT : 0)), 0};
        ::poll(&pfd, 1, 5);
        const qint64 now = nowNs();
        if (!inWindow && now - start >= qint64(p.warmupMs) * 1000000) {
            inWindow = true;
            messages0 = messages;
            bytes0 = bytes;
            cpu0 = processCpuSeconds();
            t0 = now;
        }
        if (inWindow && now - t0 >= qint64(p.durationMs) * 1000000
            && messages - messages0 >= kMinWindowMessages)
            break;
        if (now - start > kTimeoutNs) {
            r.error = QStringLiteral("timed out");
            break;
        }
        if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        const ssize_t got = ::read(fd, rb.data(), rb.size());
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
            r.error = QStringLiteral("connection closed by the server");
            break;
        }
        if (got < 0)
            continue;
        // Parse: skip payloads (the baseline does not copy), count messages.
        size_t i = 0;
        const size_t n = size_t(got);
        while (i < n) {
            if (!inPayload) {
                const size_t k = std::min<size_t>(4 - hdrHave, n - i);
                std::memcpy(hdr + hdrHave, rb.data() + i, k);
                hdrHave += int(k);
                i += k;
                if (hdrHave < 4)
                    break;
                hdrHave = 0;
                uint32_t v;
                std::memcpy(&v, hdr, 4);
                v = ntohl(v);
                more = v & kMoreBit;
                payloadLeft = v & ~kMoreBit;
                inPayload = true;
            }
            const size_t k = size_t(std::min<uint64_t>(payloadLeft, n - i));
            i += k;
            payloadLeft -= k;
            messageBytes += qint64(k);
            if (payloadLeft == 0) {
                inPayload = false;
                if (!more) {
                    if (!completed(messageBytes))
                        break;
                    messageBytes = 0;
                }
            }
        }
        if (!r.error.isEmpty())
            break;
    }
    if (r.error.isEmpty()) {
        r.seconds = double(nowNs() - t0) / 1e9;
        r.cpuSeconds = processCpuSeconds() - cpu0;
        r.messages = messages - messages0;
        r.bytes = bytes - bytes0;
        r.maxRssKb = peakRssKb();
        r.p50Us = percentileUs(samples, 0.50);
        r.p99Us = percentileUs(samples, 0.99);
    }
    ::close(fd);
    return r;
}

// latency32: one message in flight. A dedicated loop rather than runStream()'s poll() + read():
// a blocking send(), then a blocking recv() until the whole echo is in, so that each round trip
// costs this client two system calls and one wake-up, the least any client can do. (Where the
// scheduler puts the client matters far more on this VM; the driver pins it: Scenario::placement.)
WorkerResult runLatency(const WorkerParams &p)
{
    WorkerResult r;
    const int fd = connectTo(p, &r.error);
    if (fd < 0)
        return r;
    const QByteArray msg = frame(makePayload(p.payload, p.size));
    const QByteArray preface = "RAW " + p.path.toLatin1() + '\n';
    if (!writeAll(fd, preface.constData(), size_t(preface.size()))) {
        r.error = QStringLiteral("preface write failed");
        ::close(fd);
        return r;
    }
    const size_t expected = size_t(msg.size()); // the echo: same length prefix, same payload
    std::vector<char> rb(expected);
    std::vector<qint64> samples;
    const qint64 start = nowNs();
    qint64 t0 = 0, messages = 0;
    double cpu0 = 0;
    bool inWindow = false;
    for (;;) {
        const qint64 now = nowNs();
        if (!inWindow && now - start >= qint64(p.warmupMs) * 1000000) {
            inWindow = true;
            cpu0 = processCpuSeconds();
            t0 = now;
        }
        if (inWindow && now - t0 >= qint64(p.durationMs) * 1000000
            && messages >= kMinWindowMessages)
            break;
        if (now - start > kTimeoutNs) {
            r.error = QStringLiteral("timed out");
            break;
        }
        const qint64 sentAt = nowNs();
        if (!writeAll(fd, msg.constData(), size_t(msg.size()))) {
            r.error = QStringLiteral("write failed");
            break;
        }
        size_t have = 0;
        while (have < expected) {
            const ssize_t g = ::recv(fd, rb.data() + have, expected - have, 0);
            if (g < 0 && errno == EINTR)
                continue;
            if (g <= 0) {
                r.error = QStringLiteral("connection closed by the server");
                break;
            }
            have += size_t(g);
        }
        if (!r.error.isEmpty())
            break;
        const qint64 rtt = nowNs() - sentAt;
        if (std::memcmp(rb.data(), msg.constData(), expected) != 0) {
            r.error = QStringLiteral("the echo differs from what was sent");
            break;
        }
        if (inWindow) {
            samples.push_back(rtt);
            ++messages;
        }
    }
    if (r.error.isEmpty()) {
        r.seconds = double(nowNs() - t0) / 1e9;
        r.cpuSeconds = processCpuSeconds() - cpu0;
        r.messages = messages;
        r.bytes = messages * p.size;
        r.maxRssKb = peakRssKb();
        r.p50Us = percentileUs(samples, 0.50);
        r.p99Us = percentileUs(samples, 0.99);
    }
    ::close(fd);
    return r;
}

// The raw analogue of a WebSocket handshake: connect, one request/response round trip.
int setupOne(const WorkerParams &p, QString *error)
{
    WorkerParams target = p;
    if (p.proxyPort > 0)
        target.port = p.proxyPort;
    const int fd = connectTo(target, error);
    if (fd < 0)
        return -1;
    if (p.proxyPort > 0) {
        // RFC 9110 §9.3.6: CONNECT, then the tunnel carries the same exchange as the direct case.
        const QByteArray authority = p.host.toLatin1() + ':' + QByteArray::number(p.port);
        const QByteArray req
            = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
        QByteArray head;
        char c;
        if (!writeAll(fd, req.constData(), size_t(req.size()))) {
            *error = QStringLiteral("proxy write failed");
            ::close(fd);
            return -1;
        }
        while (!head.endsWith("\r\n\r\n") && head.size() < 8192 && ::read(fd, &c, 1) == 1)
            head.append(c);
        if (!head.startsWith("HTTP/1.1 200") && !head.startsWith("HTTP/1.0 200")) {
            *error = QStringLiteral("proxy refused CONNECT: %1")
                         .arg(QString::fromLatin1(head.left(head.indexOf('\r'))));
            ::close(fd);
            return -1;
        }
    }
    const QByteArray hello = "RAW " + p.path.toLatin1() + '\n' + frame(QByteArray(1, 'h'));
    char reply[5];
    size_t have = 0;
    if (!writeAll(fd, hello.constData(), size_t(hello.size()))) {
        *error = QStringLiteral("write failed");
        ::close(fd);
        return -1;
    }
    while (have < sizeof reply) {
        const ssize_t g = ::read(fd, reply + have, sizeof reply - have);
        if (g <= 0) {
            *error = QStringLiteral("no reply");
            ::close(fd);
            return -1;
        }
        have += size_t(g);
    }
    return fd;
}

WorkerResult runConnect(const WorkerParams &p)
{
    WorkerResult r;
    std::vector<qint64> samples;
    const qint64 start = nowNs();
    qint64 t0 = 0;
    double cpu0 = 0;
    bool inWindow = false;
    for (;;) {
        const qint64 now = nowNs();
        if (!inWindow && now - start >= qint64(p.warmupMs) * 1000000) {
            inWindow = true;
            cpu0 = processCpuSeconds();
            t0 = now;
        }
        if (inWindow && now - t0 >= qint64(p.durationMs) * 1000000)
            break;
        const int fd = setupOne(p, &r.error);
        if (fd < 0)
            return r;
        if (inWindow) {
            samples.push_back(nowNs() - now);
            ++r.messages;
        }
        ::close(fd);
    }
    r.seconds = double(nowNs() - t0) / 1e9;
    r.cpuSeconds = processCpuSeconds() - cpu0;
    r.maxRssKb = peakRssKb();
    r.p50Us = percentileUs(samples, 0.50);
    r.p99Us = percentileUs(samples, 0.99);
    return r;
}

WorkerResult runIdle(const WorkerParams &p)
{
    WorkerResult r;
    const int warm = setupOne(p, &r.error);
    if (warm < 0)
        return r;
    ::close(warm);
    std::vector<int> fds;
    fds.reserve(size_t(p.count));
    const qint64 rss0 = currentRssKb();
    const double heap0 = heapInUseKb();
    const double cpu0 = processCpuSeconds();
    const qint64 t0 = nowNs();
    for (int i = 0; i < p.count; ++i) {
        const int fd = setupOne(p, &r.error);
        if (fd < 0)
            break;
        fds.push_back(fd);
    }
    if (r.error.isEmpty()) {
        r.seconds = double(nowNs() - t0) / 1e9;
        r.cpuSeconds = processCpuSeconds() - cpu0;
        r.messages = qint64(fds.size());
        r.maxRssKb = peakRssKb();
        r.rssPerConnKb = double(currentRssKb() - rss0) / double(p.count);
        r.heapPerConnKb = (heapInUseKb() - heap0) / double(p.count);
    }
    for (int fd : fds)
        ::close(fd);
    return r;
}

} // namespace

int runRawWorker(const WorkerParams &params)
{
    WorkerResult r;
    switch (params.kind) {
    case Kind::Connect:
        r = runConnect(params);
        break;
    case Kind::Idle:
        r = runIdle(params);
        break;
    case Kind::Latency:
        r = runLatency(params);
        break;
    default:
        r = runStream(params);
        break;
    }
    printResult(r);
    return r.error.isEmpty() ? 0 : 1;
}

} // namespace QtWsBench
