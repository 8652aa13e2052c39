// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PACHELPERPROTOCOL_H
#define QTWS_PACHELPERPROTOCOL_H

#include <QtCore/QByteArray>
#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtNetwork/QHostAddress>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

namespace QtWs::PacHelperProtocol {

/*
    The protocol between PacHelperClient (the parent) and qtws-pac-helper (the child), over one
    AF_UNIX stream socket that is the child's stdin and stdout. Both ends are one build of qtws on
    one machine, so every integer is in host byte order and there is no version field.

    Frame: quint32 size of what follows, quint8 Message, then the body. Body fields: integers as
    they are; a string is a quint32 count of UTF-16 code units and the code units (copied into the
    QString once, no conversion); a string list is a quint32 count and the strings; an address list
    is a quint32 count and, per address, a quint8 family (4 or 6), its 4 or 16 bytes and its scope
    id as a string; a date-time is a string-sized blob of QDataStream (rare: only timeRange() and
    friends ask for it).

    Parent -> child:
      Load      script, name, source (i32), evaluation timeout, DNS timeout, DNS budget (i64 ms)
                -> Result
      Evaluate  url, host, quint8 flags, [addresses if kHasLocalAddresses], [date-time if
                kHasClock] -> any number of callbacks, then Result
      Addresses addresses; Clock date-time: the answers to the callbacks
    Child -> parent:
      Ready     once, first, no body: the helper is up. The parent's deadlines start after it, so
                that a slow start (exec, Qt, the sandbox's libraries; seconds under a sanitizer on
                a loaded machine) is not taken for a slow script; until then kStartupTimeout holds.
      Result    error (i32), errorString, line (i32), raw, warnings
      Resolve   host, timeout (i64 ms); LocalAddresses; Now: callbacks the parent answers
      Log       QtMsgType (i32), category, text: the helper's log output (alert() included), which
                the parent logs in qtws.pac and does not answer
      Interrupted  the watchdog interrupted the evaluation in progress (see below)

    Pipelining: the parent may send several Evaluate frames at once. The child serves them in
    order, one at a time; the callbacks it sends belong to the evaluation in progress, and the
    parent's answers may arrive behind Evaluate frames the child has not started yet. A Result
    answers the oldest request without one, and the parent counts each request's deadline from the
    Result before it (or from sending it). So that a batch costs one write rather than one per
    result, the child may hold finished Results back while more requests are queued, but only
    within kHoldBack of its last write or of the requests' arrival (so the parent's deadlines are
    late by at most that, far less than PacHelperClient::kKillGrace); and when its watchdog
    interrupts an evaluation, it writes what it holds followed by Interrupted (no body), from which
    the parent counts kKillGrace for the evaluation in progress.

    Prefetch: when the parent knows the script asks for myIpAddress() or the clock, it sends the
    answers along with Evaluate (the environment functions are called once per evaluation either
    way) and the child does not ask.
*/
enum class Message : quint8 {
    Load = 1,
    Evaluate = 2,
    Addresses = 3,
    Clock = 4,
    Result = 10,
    Resolve = 11,
    LocalAddresses = 12,
    Now = 13,
    Log = 14,
    Interrupted = 15,
    Ready = 16,
};

enum EvaluateFlag : quint8 {
    kHasLocalAddresses = 1,
    kHasClock = 2,
};

// Larger frames are a protocol error (scripts are limited to PacEnvironment::maxScriptSize, a
// result string to what the sandbox's capped built-ins can build).
constexpr quint32 kMaxFrameSize = 64 * 1024 * 1024;
constexpr qsizetype kHeaderSize = 5;
// How long (and how many bytes) finished results may wait for the next ones (see above).
constexpr std::chrono::milliseconds kHoldBack {1};
constexpr qsizetype kHoldBackBytes = 8 * 1024;

// Appends frames to a buffer, which may hold several (one write for a batch).
class Writer
{
public:
    explicit Writer(QByteArray *out)
        : m_out(out)
    { }

    void begin(Message type)
    {
        m_start = m_out->size();
        const char header[kHeaderSize] = {0, 0, 0, 0, char(type)};
        m_out->append(header, kHeaderSize);
    }
    // Fills in the size of the frame begun last.
    void end()
    {
        const quint32 size = quint32(m_out->size() - m_start - 4);
        std::memcpy(m_out->data() + m_start, &size, sizeof size);
    }

    void u8(quint8 v) { raw(&v, sizeof v); }
    void i32(qint32 v) { raw(&v, sizeof v); }
    void i64(qint64 v) { raw(&v, sizeof v); }
    void string(QStringView s)
    {
        const quint32 n = quint32(s.size());
        raw(&n, sizeof n);
        raw(s.utf16(), size_t(n) * sizeof(char16_t));
    }
    void strings(const QStringList &list)
    {
        const quint32 n = quint32(list.size());
        raw(&n, sizeof n);
        for (const QString &s : list)
            string(s);
    }
    void addresses(const QList<QHostAddress> &list)
    {
        quint32 n = 0;
        for (const QHostAddress &a : list)
            n += isEncodable(a) ? 1 : 0;
        raw(&n, sizeof n);
        for (const QHostAddress &a : list) {
            if (a.protocol() == QAbstractSocket::IPv4Protocol) {
                u8(4);
                const quint32 v4 = a.toIPv4Address();
                raw(&v4, sizeof v4);
                string(QString());
            } else if (a.protocol() == QAbstractSocket::IPv6Protocol) {
                u8(6);
                const Q_IPV6ADDR v6 = a.toIPv6Address();
                raw(v6.c, sizeof v6.c);
                string(a.scopeId());
            }
        }
    }
    void dateTime(const QDateTime &value)
    {
        QByteArray blob;
        {
            QDataStream out(&blob, QIODevice::WriteOnly);
            out.setVersion(QDataStream::Qt_6_4);
            out << value;
        }
        const quint32 n = quint32(blob.size());
        raw(&n, sizeof n);
        raw(blob.constData(), size_t(n));
    }

private:
    static bool isEncodable(const QHostAddress &a)
    {
        return a.protocol() == QAbstractSocket::IPv4Protocol
            || a.protocol() == QAbstractSocket::IPv6Protocol;
    }
    void raw(const void *data, size_t size)
    {
        m_out->append(static_cast<const char *>(data), qsizetype(size));
    }

    QByteArray *m_out;
    qsizetype m_start = 0;
};

// Reads one frame's body; any read past its end marks it bad and yields empty values.
class Reader
{
public:
    Reader(const char *data, qsizetype size)
        : m_data(data)
        , m_end(data + size)
    { }

    bool ok() const noexcept { return m_ok; }
    bool atEnd() const noexcept { return m_data == m_end; }

    quint8 u8() { return scalar<quint8>(); }
    qint32 i32() { return scalar<qint32>(); }
    qint64 i64() { return scalar<qint64>(); }
    QString string()
    {
        const quint32 n = scalar<quint32>();
        if (!take(qsizetype(n) * qsizetype(sizeof(char16_t))))
            return QString();
        QString s(qsizetype(n), Qt::Uninitialized);
        std::memcpy(s.data(), m_data - qsizetype(n) * 2, size_t(n) * 2);
        return s;
    }
    QStringList strings()
    {
        const quint32 n = scalar<quint32>();
        QStringList out;
        for (quint32 i = 0; i < n && m_ok; ++i)
            out.append(string());
        return out;
    }
    QList<QHostAddress> addresses()
    {
        const quint32 n = scalar<quint32>();
        QList<QHostAddress> out;
        for (quint32 i = 0; i < n && m_ok; ++i) {
            const quint8 family = u8();
            if (family == 4) {
                const quint32 v4 = scalar<quint32>();
                string();
                out.append(QHostAddress(v4));
            } else if (family == 6 && take(16)) {
                Q_IPV6ADDR v6;
                std::memcpy(v6.c, m_data - 16, 16);
                QHostAddress a(v6);
                const QString scope = string();
                if (!scope.isEmpty())
                    a.setScopeId(scope);
                out.append(a);
            } else {
                m_ok = false;
            }
        }
        return out;
    }
    QDateTime dateTime()
    {
        const quint32 n = scalar<quint32>();
        if (!take(qsizetype(n)))
            return QDateTime();
        QDataStream in(QByteArray::fromRawData(m_data - n, qsizetype(n)));
        in.setVersion(QDataStream::Qt_6_4);
        QDateTime value;
        in >> value;
        return value;
    }

private:
    // Advances past size bytes, if there are that many.
    bool take(qsizetype size)
    {
        if (!m_ok || size < 0 || m_end - m_data < size) {
            m_ok = false;
            return false;
        }
        m_data += size;
        return true;
    }
    template<typename T> T scalar()
    {
        T v {};
        if (take(qsizetype(sizeof v)))
            std::memcpy(&v, m_data - sizeof v, sizeof v);
        return v;
    }

    const char *m_data;
    const char *m_end;
    bool m_ok = true;
};

/*
    Received bytes, consumed frame by frame without moving the rest: the buffer is compacted only
    when more must be read, and shrinks back to kInitialCapacity when it is empty after a large
    frame, so that memory stays bounded by the largest frame in flight.
*/
class InBuffer
{
public:
    static constexpr qsizetype kInitialCapacity = 64 * 1024;

    struct Frame
    {
        Message type;
        const char *body;
        qsizetype size;
    };
    enum class Status { Frame, NeedMore, Bad };

    // The next complete frame; body stays valid until the next space() call.
    Status next(Frame *frame)
    {
        const qsizetype available = m_end - m_begin;
        if (available < kHeaderSize)
            return Status::NeedMore;
        quint32 size = 0;
        std::memcpy(&size, m_data.constData() + m_begin, sizeof size);
        if (size < 1 || size > kMaxFrameSize)
            return Status::Bad;
        if (available - 4 < qsizetype(size)) {
            m_wanted = 4 + qsizetype(size);
            return Status::NeedMore;
        }
        frame->type = Message(quint8(m_data.constData()[m_begin + 4]));
        frame->body = m_data.constData() + m_begin + kHeaderSize;
        frame->size = qsizetype(size) - 1;
        m_begin += 4 + qsizetype(size);
        if (m_begin == m_end)
            m_begin = m_end = 0; // the body stays readable: nothing overwrites it before space()
        return Status::Frame;
    }

    // Room for at least the rest of the frame being received (and kInitialCapacity / 4 bytes).
    char *space(qsizetype *room)
    {
        if (m_begin == m_end && m_data.size() > kInitialCapacity && m_wanted <= kInitialCapacity) {
            m_data = QByteArray(); // bounded memory: drop the large frame's buffer
            m_begin = m_end = 0;
        }
        if (m_begin > 0) {
            std::memmove(m_data.data(), m_data.constData() + m_begin, size_t(m_end - m_begin));
            m_end -= m_begin;
            m_begin = 0;
        }
        const qsizetype need = std::max(m_wanted, m_end + kInitialCapacity / 4);
        if (m_data.size() < std::max(need, kInitialCapacity))
            m_data.resize(std::max(need, kInitialCapacity));
        *room = m_data.size() - m_end;
        return m_data.data() + m_end;
    }
    void commit(qsizetype received)
    {
        m_end += received;
        if (m_end - m_begin >= m_wanted)
            m_wanted = 0;
    }
    bool isEmpty() const noexcept { return m_begin == m_end; }
    void clear()
    {
        m_data = QByteArray();
        m_begin = m_end = m_wanted = 0;
    }

private:
    QByteArray m_data;
    qsizetype m_begin = 0;
    qsizetype m_end = 0;
    qsizetype m_wanted = 0;
};

} // namespace QtWs::PacHelperProtocol

#endif // QTWS_PACHELPERPROTOCOL_H
