// SPDX-License-Identifier: LGPL-3.0-or-later
//
// qtws-bench-echo: the peer every qtws-bench client talks to. It must never be the bottleneck, so
// it is a single-threaded, level-triggered epoll loop that reads big chunks, parses every complete
// frame of a read in one go, unmasks eight bytes at a time and writes all echoes of one read with
// one write() call.
//
// Each connection starts with either
//   an HTTP/1.1 WebSocket upgrade (RFC 6455 §4.2, minimal: only Sec-WebSocket-Key is looked at), or
//   "RAW <path>\n", then raw frames: a 32-bit big-endian header whose bit 31 means "more fragments
//   follow" and whose low 31 bits are the payload length (the raw-TCP baseline's framing).
// The path picks what the server does with each incoming message:
//   /echo                    echo every frame as it is (opcode, FIN, payload; large payloads stream
//   through); /burst?n=512&size=30     answer every message with n frames of `size` bytes, all in
//   one write(); /frag?size=64            echo every message split into fragments of `size` bytes.
//
// Usage: qtws-bench-echo [--port N]   prints "PORT <n>" on stdout once listening on 127.0.0.1.

#include <QtCore/QByteArray>
#include <QtCore/QCryptographicHash>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr size_t kReadChunk = 256 * 1024; // bytes asked for per read()
constexpr size_t kMaxReadPerTurn
    = 8 * 1024 * 1024; // then process, so one peer cannot starve the others
constexpr size_t kMaxHandshake = 16 * 1024; // request head limit
constexpr size_t kOutHighWater
    = 64 * 1024 * 1024; // stop reading from a peer that does not read its echoes
constexpr uint64_t kMaxFrame = 1024ull * 1024 * 1024; // 1 GiB: larger frames close the connection
constexpr uint32_t kRawMoreBit = 0x80000000u;

volatile std::sig_atomic_t g_stop = 0;

// A byte queue with a read and a write index; compacts instead of shifting on every consume.
struct Buffer
{
    std::vector<unsigned char> data;
    size_t rd = 0;
    size_t wr = 0;

    size_t size() const { return wr - rd; }
    const unsigned char *begin() const { return data.data() + rd; }
    void consume(size_t n)
    {
        rd += n;
        if (rd == wr)
            rd = wr = 0;
    }
    // Returns a pointer to at least n writable bytes at the end; commit() them afterwards.
    unsigned char *reserve(size_t n)
    {
        if (data.size() - wr < n) {
            if (rd > 0) {
                std::memmove(data.data(), data.data() + rd, wr - rd);
                wr -= rd;
                rd = 0;
            }
            if (data.size() - wr < n)
                data.resize(std::max(data.size() * 2, wr + n));
        }
        return data.data() + wr;
    }
    void commit(size_t n) { wr += n; }
    void append(const void *p, size_t n)
    {
        std::memcpy(reserve(n), p, n);
        commit(n);
    }
};

// XOR-unmask n bytes from src into dst (RFC 6455 §5.3); `pos` is how many payload bytes came
// before. Eight bytes per step with a pre-rotated 64-bit key; the tail starts at a multiple of 8,
// so the same rotated key bytes apply.
void unmaskCopy(const unsigned char *src, unsigned char *dst, size_t n, const unsigned char key[4],
    uint64_t pos)
{
    unsigned char r[8];
    for (int i = 0; i < 8; ++i)
        r[i] = key[(pos + i) & 3];
    uint64_t m;
    std::memcpy(&m, r, 8);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t a, b;
        std::memcpy(&a, src + i, 8);
        std::memcpy(&b, src + i + 8, 8);
        a ^= m;
        b ^= m;
        std::memcpy(dst + i, &a, 8);
        std::memcpy(dst + i + 8, &b, 8);
    }
    for (; i < n; ++i)
        dst[i] = src[i] ^ r[i & 7];
}

void putWsHeader(Buffer &out, bool fin, unsigned opcode, uint64_t len)
{
    unsigned char h[10];
    size_t n = 2;
    h[0] = static_cast<unsigned char>((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        h[1] = static_cast<unsigned char>(len);
    } else if (len <= 0xffff) {
        h[1] = 126;
        h[2] = static_cast<unsigned char>(len >> 8);
        h[3] = static_cast<unsigned char>(len);
        n = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; ++i)
            h[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
        n = 10;
    }
    out.append(h, n);
}

void putRawHeader(Buffer &out, bool more, uint32_t len)
{
    const uint32_t v = htonl(len | (more ? kRawMoreBit : 0));
    out.append(&v, 4);
}

enum class Proto { Handshake, WebSocket, Raw };
enum class Mode { Echo, Burst, Frag };

struct Conn
{
    int fd = -1;
    Proto proto = Proto::Handshake;
    Mode mode = Mode::Echo;
    uint32_t burstCount = 512;
    uint32_t burstSize = 30;
    uint32_t fragSize = 64;
    std::vector<unsigned char> burstBlob; // the whole burst answer, built once per connection
    Buffer in;
    Buffer out;
    // Echo mode streams large payloads: header first, then the bytes as they arrive.
    uint64_t payloadLeft = 0;
    uint64_t payloadPos = 0;
    unsigned char key[4] = {0, 0, 0, 0};
    bool masked = false;
    bool fragMessageOpen = false; // frag mode: a fragmented message is being written out
    std::vector<unsigned char> scratch;
    bool closeAfterFlush = false;
    bool writeArmed = false;
    bool readPaused = false;
};

uint32_t queryValue(const std::string &path, const char *name, uint32_t fallback)
{
    const std::string needle = std::string(name) + "=";
    size_t p = path.find('?');
    while (p != std::string::npos) {
        ++p;
        if (path.compare(p, needle.size(), needle) == 0)
            return static_cast<uint32_t>(
                std::strtoul(path.c_str() + p + needle.size(), nullptr, 10));
        p = path.find('&', p);
    }
    return fallback;
}

void configureMode(Conn &c, const std::string &path)
{
    if (path.rfind("/burst", 0) == 0) {
        c.mode = Mode::Burst;
        c.burstCount = std::clamp<uint32_t>(queryValue(path, "n", 512), 1, 1u << 20);
        c.burstSize = std::clamp<uint32_t>(queryValue(path, "size", 30), 0, 1u << 20);
        Buffer b;
        const std::vector<unsigned char> payload(c.burstSize, 'x');
        for (uint32_t i = 0; i < c.burstCount; ++i) {
            if (c.proto == Proto::Raw)
                putRawHeader(b, false, c.burstSize);
            else
                putWsHeader(b, true, 0x2, c.burstSize);
            b.append(payload.data(), payload.size());
        }
        c.burstBlob.assign(b.begin(), b.begin() + b.size());
    } else if (path.rfind("/frag", 0) == 0) {
        c.mode = Mode::Frag;
        c.fragSize = std::clamp<uint32_t>(queryValue(path, "size", 64), 1, 1u << 30);
    }
}

std::string headerValue(const std::string &head, const char *name)
{
    // Case-insensitive header lookup (RFC 9110 §5.1); minimal on purpose: the bench's own clients
    // send it.
    const size_t nlen = std::strlen(name);
    size_t line = head.find("\r\n");
    while (line != std::string::npos && line + 2 < head.size()) {
        const size_t start = line + 2;
        const size_t end = head.find("\r\n", start);
        if (end == std::string::npos)
            break;
        if (end - start > nlen && head[start + nlen] == ':'
            && strncasecmp(head.c_str() + start, name, nlen) == 0) {
            size_t v = start + nlen + 1;
            while (v < end && (head[v] == ' ' || head[v] == '\t'))
                ++v;
            size_t e = end;
            while (e > v && (head[e - 1] == ' ' || head[e - 1] == '\t'))
                --e;
            return head.substr(v, e - v);
        }
        line = end;
    }
    return {};
}

// Returns false when the connection must be closed.
bool handleHandshake(Conn &c)
{
    const unsigned char *p = c.in.begin();
    const size_t n = c.in.size();
    if (n >= 4 && std::memcmp(p, "RAW ", 4) == 0) {
        const unsigned char *nl = static_cast<const unsigned char *>(std::memchr(p, '\n', n));
        if (!nl)
            return n < kMaxHandshake;
        c.proto = Proto::Raw;
        configureMode(c, std::string(reinterpret_cast<const char *>(p) + 4, nl - p - 4));
        c.in.consume(nl - p + 1);
        return true;
    }
    const std::string head(reinterpret_cast<const char *>(p), n);
    const size_t end = head.find("\r\n\r\n");
    if (end == std::string::npos)
        return n < kMaxHandshake;
    if (head.rfind("GET ", 0) != 0)
        return false;
    const size_t sp = head.find(' ', 4);
    const std::string path = head.substr(4, sp == std::string::npos ? 0 : sp - 4);
    const std::string key = headerValue(head.substr(0, end + 2), "Sec-WebSocket-Key");
    if (key.empty())
        return false;
    // RFC 6455 §4.2.2: accept = base64(SHA-1(key + GUID)).
    const QByteArray accept = QCryptographicHash::hash(
        QByteArray::fromStdString(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
        QCryptographicHash::Sha1)
                                  .toBase64();
    const std::string reply = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Accept: "
        + accept.toStdString() + "\r\n\r\n";
    c.out.append(reply.data(), reply.size());
    c.proto = Proto::WebSocket;
    configureMode(c, path);
    c.in.consume(end + 4);
    return true;
}

// Splits one whole message payload into fragments of c.fragSize (frag mode).
void writeFragments(Conn &c, unsigned opcode, bool fin, const unsigned char *payload, size_t len)
{
    size_t off = 0;
    do {
        const size_t k = std::min<size_t>(c.fragSize, len - off);
        const bool last = fin && off + k == len;
        if (c.proto == Proto::Raw) {
            putRawHeader(c.out, !last, static_cast<uint32_t>(k));
        } else {
            putWsHeader(c.out, last, c.fragMessageOpen ? 0 : opcode, k);
            c.fragMessageOpen = !last;
        }
        c.out.append(payload + off, k);
        off += k;
    } while (off < len);
}

// Parses every complete frame in c.in. Returns false when the connection must be closed.
bool processFrames(Conn &c)
{
    for (;;) {
        if (c.payloadLeft > 0) { // echo mode: stream the rest of a payload
            const size_t k = static_cast<size_t>(std::min<uint64_t>(c.payloadLeft, c.in.size()));
            if (k == 0)
                return true;
            unsigned char *dst = c.out.reserve(k);
            if (c.masked)
                unmaskCopy(c.in.begin(), dst, k, c.key, c.payloadPos);
            else
                std::memcpy(dst, c.in.begin(), k);
            c.out.commit(k);
            c.in.consume(k);
            c.payloadLeft -= k;
            c.payloadPos += k;
            continue;
        }
        const unsigned char *p = c.in.begin();
        const size_t avail = c.in.size();
        if (c.proto == Proto::Raw) {
            if (avail < 4)
                return true;
            uint32_t v;
            std::memcpy(&v, p, 4);
            v = ntohl(v);
            const uint32_t len = v & ~kRawMoreBit;
            if (c.mode == Mode::Echo) {
                c.out.append(p, 4);
                c.in.consume(4);
                c.payloadLeft = len;
                c.payloadPos = 0;
                c.masked = false;
                continue;
            }
            if (avail < 4 + size_t(len))
                return true;
            if (c.mode == Mode::Burst)
                c.out.append(c.burstBlob.data(), c.burstBlob.size());
            else
                writeFragments(c, 0x2, !(v & kRawMoreBit), p + 4, len);
            c.in.consume(4 + size_t(len));
            continue;
        }
        // RFC 6455 §5.2 base framing.
        if (avail < 2)
            return true;
        const bool fin = p[0] & 0x80;
        const unsigned opcode = p[0] & 0x0f;
        const bool masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t hlen = 2;
        if (len == 126) {
            if (avail < 4)
                return true;
            len = (uint64_t(p[2]) << 8) | p[3];
            hlen = 4;
        } else if (len == 127) {
            if (avail < 10)
                return true;
            len = 0;
            for (int i = 0; i < 8; ++i)
                len = (len << 8) | p[2 + i];
            hlen = 10;
        }
        if (len > kMaxFrame)
            return false;
        if (masked) {
            if (avail < hlen + 4)
                return true;
            std::memcpy(c.key, p + hlen, 4);
            hlen += 4;
        }
        const bool control = opcode & 0x8;
        if (!control && c.mode == Mode::Echo) {
            putWsHeader(c.out, fin, opcode, len);
            c.in.consume(hlen);
            c.masked = masked;
            c.payloadLeft = len;
            c.payloadPos = 0;
            continue;
        }
        if (avail < hlen + len)
            return true; // control frames and burst/frag messages are handled whole
        unsigned char *payload = const_cast<unsigned char *>(p + hlen);
        if (masked)
            unmaskCopy(payload, payload, static_cast<size_t>(len), c.key, 0); // in place
        if (opcode == 0x8) { // close: echo it, then hang up
            putWsHeader(c.out, true, 0x8, len);
            c.out.append(payload, static_cast<size_t>(len));
            c.closeAfterFlush = true;
            c.in.consume(hlen + static_cast<size_t>(len));
            return true;
        }
        if (opcode == 0x9) { // ping -> pong (§5.5.2)
            putWsHeader(c.out, true, 0xA, len);
            c.out.append(payload, static_cast<size_t>(len));
        } else if (control) {
            // pong or reserved: ignore
        } else if (c.mode == Mode::Burst) {
            if (fin)
                c.out.append(c.burstBlob.data(), c.burstBlob.size());
        } else {
            writeFragments(c, opcode, fin, payload, static_cast<size_t>(len));
        }
        c.in.consume(hlen + static_cast<size_t>(len));
    }
}

class Server
{
public:
    explicit Server(int listenFd)
        : m_listen(listenFd)
        , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    {
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen, &ev);
    }

    void run()
    {
        std::vector<epoll_event> events(256);
        while (!g_stop) {
            const int n = epoll_wait(m_epoll, events.data(), int(events.size()), 500);
            if (n < 0 && errno != EINTR)
                break;
            for (int i = 0; i < n; ++i) {
                Conn *c = static_cast<Conn *>(events[i].data.ptr);
                if (!c) {
                    accept();
                    continue;
                }
                if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                    if (!flush(*c)) {
                        close(c);
                        continue;
                    }
                }
                if (events[i].events & EPOLLIN) {
                    if (!readAndProcess(*c))
                        close(c);
                }
            }
        }
    }

private:
    void accept()
    {
        for (;;) {
            const int fd = accept4(m_listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            Conn *c = new Conn;
            c->fd = fd;
            epoll_event ev {};
            ev.events = EPOLLIN;
            ev.data.ptr = c;
            epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
        }
    }

    void close(Conn *c)
    {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
        ::close(c->fd);
        delete c;
    }

    void updateEvents(Conn &c)
    {
        const bool wantWrite = c.out.size() > 0;
        const bool pause = c.out.size() >= kOutHighWater || c.closeAfterFlush;
        if (wantWrite == c.writeArmed && pause == c.readPaused)
            return;
        c.writeArmed = wantWrite;
        c.readPaused = pause;
        epoll_event ev {};
        ev.events = (pause ? 0u : uint32_t(EPOLLIN)) | (wantWrite ? uint32_t(EPOLLOUT) : 0u);
        ev.data.ptr = &c;
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    }

    // Writes as much of c.out as the socket takes. Returns false when the connection is done.
    bool flush(Conn &c)
    {
        while (c.out.size() > 0) {
            const ssize_t w = ::send(c.fd, c.out.begin(), c.out.size(), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                if (errno == EINTR)
                    continue;
                return false;
            }
            c.out.consume(size_t(w));
        }
        if (c.out.size() == 0 && c.closeAfterFlush)
            return false;
        updateEvents(c);
        return true;
    }

    bool readAndProcess(Conn &c)
    {
        size_t total = 0;
        while (total < kMaxReadPerTurn) {
            unsigned char *dst = c.in.reserve(kReadChunk);
            const ssize_t r = ::read(c.fd, dst, kReadChunk);
            if (r == 0)
                return false;
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                return false;
            }
            c.in.commit(size_t(r));
            total += size_t(r);
            if (size_t(r) < kReadChunk)
                break; // drained for now; level-triggered epoll reports the rest
        }
        if (c.proto == Proto::Handshake) {
            if (!handleHandshake(c))
                return false;
            if (c.proto == Proto::Handshake)
                return true;
        }
        if (!processFrames(c))
            return false;
        return flush(c); // one write for everything this read produced
    }

    int m_listen;
    int m_epoll;
};

} // namespace

int main(int argc, char **argv)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the driver
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    rlimit rl {};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int port = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = std::atoi(argv[++i]);
    }
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // loopback only
    if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0) {
        std::perror("qtws-bench-echo: bind/listen");
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &alen);
    std::printf("PORT %d\n", ntohs(addr.sin_port));
    std::fflush(stdout);
    Server server(fd);
    server.run();
    return 0;
}
