// SPDX-License-Identifier: LGPL-3.0-or-later
#include "deflate.h"

#include "httpmessage.h"

#include <zlib.h>

#include <utility>

namespace QtWs::Protocol {

namespace {

// RFC 6455 §9.1: extension-list = 1#extension; extension = extension-token *( ";" extension-param )
// extension-param = token [ "=" (token | quoted-string) ], the unquoted value must be a token too.
class ExtensionTokenizer
{
public:
    explicit ExtensionTokenizer(QByteArrayView s)
        : m_s(s)
    { }
    void skipOws()
    {
        while (m_pos < m_s.size() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\t'))
            ++m_pos;
    }
    bool atEnd() const { return m_pos >= m_s.size(); }
    char peek() const { return m_s[m_pos]; }
    void advance() { ++m_pos; }
    QByteArrayView token()
    {
        const qsizetype start = m_pos;
        while (m_pos < m_s.size() && isTokenChar(m_s[m_pos]))
            ++m_pos;
        return m_s.sliced(start, m_pos - start);
    }
    bool quoted(QByteArray *out)
    {
        // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 7230 §3.2.6)
        ++m_pos;
        while (m_pos < m_s.size()) {
            const char c = m_s[m_pos++];
            if (c == '"')
                return true;
            if (c == '\\') {
                if (m_pos >= m_s.size())
                    return false;
                out->append(m_s[m_pos++]);
            } else {
                out->append(c);
            }
        }
        return false;
    }

private:
    QByteArrayView m_s;
    qsizetype m_pos = 0;
};

bool parseWindowBits(const ExtensionParameter &p, int *bits)
{
    if (p.value.size() < 1 || p.value.size() > 2)
        return false;
    for (char c : p.value) {
        if (c < '0' || c > '9')
            return false;
    }
    // RFC 7692 §7.1.2: 1*DIGIT with no leading zero, 8..15.
    if (p.value.front() == '0')
        return false;
    const int v = p.value.toInt();
    if (v < 8 || v > 15)
        return false;
    *bits = v;
    return true;
}

QString quoted(const ExtensionElement &e)
{
    return QLatin1Char('"') + quoteForMessage(e.toByteArray()) + QLatin1Char('"');
}

// The four permessage-deflate parameters as written in one offer or response, before either side
// applies its rules. The syntax checks are the same for both directions (RFC 7692 §7.1): each
// parameter at most once, the no_context_takeover ones without a value, server_max_window_bits with
// one; only client_max_window_bits differs (§7.1.2.2: optional value in an offer, required in a
// response).
struct DeflateParameterSet
{
    bool clientNoContextTakeover = false;
    bool serverNoContextTakeover = false;
    bool serverBitsSeen = false;
    int serverBits = 15;
    bool clientBitsSeen = false;
    bool clientBitsHasValue = false;
    int clientBits = 15;
};

enum class ClientBitsValue { Optional, Required };

ExtensionError scanDeflateParameters(const ExtensionElement &element, ClientBitsValue clientBits,
    DeflateParameterSet *set, QString *message)
{
    for (const auto &param : element.parameters) {
        const auto duplicate = [&]() {
            *message = QStringLiteral("duplicate parameter %1 in %2")
                           .arg(QString::fromLatin1(param.name), quoted(element));
            return ExtensionError::DuplicateParameter;
        };
        const auto invalid = [&]() {
            *message = QStringLiteral("invalid value for %1 in %2")
                           .arg(QString::fromLatin1(param.name), quoted(element));
            return ExtensionError::InvalidValue;
        };
        if (param.name == "client_no_context_takeover") {
            if (set->clientNoContextTakeover)
                return duplicate();
            if (param.hasValue)
                return invalid();
            set->clientNoContextTakeover = true;
        } else if (param.name == "server_no_context_takeover") {
            if (set->serverNoContextTakeover)
                return duplicate();
            if (param.hasValue)
                return invalid();
            set->serverNoContextTakeover = true;
        } else if (param.name == "server_max_window_bits") {
            if (set->serverBitsSeen)
                return duplicate();
            set->serverBitsSeen = true;
            if (!param.hasValue || !parseWindowBits(param, &set->serverBits))
                return invalid();
        } else if (param.name == "client_max_window_bits") {
            if (set->clientBitsSeen)
                return duplicate();
            set->clientBitsSeen = true;
            if (!param.hasValue) {
                if (clientBits == ClientBitsValue::Required)
                    return invalid();
            } else {
                if (!parseWindowBits(param, &set->clientBits))
                    return invalid();
                set->clientBitsHasValue = true;
            }
        } else {
            *message = QStringLiteral("unknown parameter %1 in %2")
                           .arg(quoteForMessage(param.name), quoted(element));
            return ExtensionError::UnknownParameter;
        }
    }
    return ExtensionError::NoError;
}

} // namespace

QByteArray ExtensionElement::toByteArray() const
{
    QByteArray out = name;
    for (const auto &p : parameters) {
        out += "; " + p.name;
        if (p.hasValue)
            out += '=' + p.value;
    }
    return out;
}

bool parseExtensionList(QByteArrayView value, QList<ExtensionElement> *out, QString *error)
{
    ExtensionTokenizer t(value);
    const auto bad = [&](const char *what) {
        *error = QStringLiteral("malformed Sec-WebSocket-Extensions (%1): \"%2\"")
                     .arg(QLatin1String(what), quoteForMessage(value));
        return false;
    };
    bool first = true;
    for (;;) {
        t.skipOws();
        if (t.atEnd())
            return first ? bad("empty list") : bad("trailing comma");
        ExtensionElement element;
        element.name = t.token().toByteArray();
        if (element.name.isEmpty())
            return bad("expected an extension token");
        t.skipOws();
        while (!t.atEnd() && t.peek() == ';') {
            t.advance();
            t.skipOws();
            ExtensionParameter p;
            p.name = t.token().toByteArray();
            if (p.name.isEmpty())
                return bad("expected a parameter name");
            t.skipOws();
            if (!t.atEnd() && t.peek() == '=') {
                t.advance();
                t.skipOws();
                p.hasValue = true;
                if (!t.atEnd() && t.peek() == '"') {
                    if (!t.quoted(&p.value))
                        return bad("unterminated quoted string");
                    if (!isToken(p.value))
                        return bad("quoted value is not a token");
                } else {
                    p.value = t.token().toByteArray();
                    if (p.value.isEmpty())
                        return bad("expected a parameter value");
                }
                t.skipOws();
            }
            element.parameters.append(p);
        }
        out->append(element);
        first = false;
        if (t.atEnd())
            return true;
        if (t.peek() != ',')
            return bad("unexpected character");
        t.advance();
    }
}

QByteArray deflateOffer(const DeflateOptions &options)
{
    QByteArray out = PermessageDeflateName;
    if (options.clientNoContextTakeover)
        out += "; client_no_context_takeover";
    if (options.serverNoContextTakeover)
        out += "; server_no_context_takeover";
    if (options.serverMaxWindowBits < 15)
        out += "; server_max_window_bits="
            + QByteArray::number(qBound(8, options.serverMaxWindowBits, 15));
    // RFC 7692 §7.1.2.2: announcing client_max_window_bits lets the server limit our window.
    if (options.clientMaxWindowBits < 15)
        out += "; client_max_window_bits="
            + QByteArray::number(qBound(8, options.clientMaxWindowBits, 15));
    else
        out += "; client_max_window_bits";
    return out;
}

QByteArray DeflateParameters::toResponseHeader() const
{
    QByteArray out = PermessageDeflateName;
    if (serverNoContextTakeover)
        out += "; server_no_context_takeover";
    if (clientNoContextTakeover)
        out += "; client_no_context_takeover";
    if (serverMaxWindowBitsSent)
        out += "; server_max_window_bits=" + QByteArray::number(serverMaxWindowBits);
    if (clientMaxWindowBitsSent)
        out += "; client_max_window_bits=" + QByteArray::number(clientMaxWindowBits);
    return out;
}

ExtensionError parseDeflateResponse(const ExtensionElement &response, const DeflateOptions &offered,
    DeflateParameters *out, QString *message)
{
    DeflateParameterSet set;
    if (const auto error
        = scanDeflateParameters(response, ClientBitsValue::Required, &set, message);
        error != ExtensionError::NoError)
        return error;
    DeflateParameters p;
    p.clientNoContextTakeover = set.clientNoContextTakeover;
    p.serverNoContextTakeover = set.serverNoContextTakeover;
    if (set.serverBitsSeen) {
        // RFC 7692 §7.1.2.1: not larger than what the client asked for.
        if (set.serverBits > offered.serverMaxWindowBits) {
            *message = QStringLiteral("server_max_window_bits=%1 exceeds the requested %2 in %3")
                           .arg(set.serverBits)
                           .arg(offered.serverMaxWindowBits)
                           .arg(quoted(response));
            return ExtensionError::NotOffered;
        }
        p.serverMaxWindowBits = set.serverBits;
        p.serverMaxWindowBitsSent = true;
    }
    if (set.clientBitsSeen) {
        if (set.clientBits > offered.clientMaxWindowBits) {
            *message = QStringLiteral("client_max_window_bits=%1 exceeds the offered %2 in %3")
                           .arg(set.clientBits)
                           .arg(offered.clientMaxWindowBits)
                           .arg(quoted(response));
            return ExtensionError::NotOffered;
        }
        p.clientMaxWindowBits = set.clientBits;
        p.clientMaxWindowBitsSent = true;
    }
    // The server must honour what we requested: a requested server_no_context_takeover (§7.1.1.1)
    // or server_max_window_bits (§7.1.2.1) that the response drops means the server ignored our
    // requirement.
    if (offered.serverNoContextTakeover && !p.serverNoContextTakeover) {
        *message = QStringLiteral("server_no_context_takeover was requested but missing in %1")
                       .arg(quoted(response));
        return ExtensionError::NotOffered;
    }
    if (offered.serverMaxWindowBits < 15 && !p.serverMaxWindowBitsSent) {
        *message = QStringLiteral("server_max_window_bits=%1 was requested but missing in %2")
                       .arg(offered.serverMaxWindowBits)
                       .arg(quoted(response));
        return ExtensionError::NotOffered;
    }
    if (!p.serverMaxWindowBitsSent)
        p.serverMaxWindowBits = 15;
    if (!p.clientMaxWindowBitsSent)
        p.clientMaxWindowBits = offered.clientMaxWindowBits;
    // What we asked for ourselves applies whether or not the server repeats it.
    p.clientNoContextTakeover = p.clientNoContextTakeover || offered.clientNoContextTakeover;
    *out = p;
    return ExtensionError::NoError;
}

ExtensionError negotiateDeflateOffer(const ExtensionElement &offer, const DeflateOptions &options,
    DeflateParameters *out, QString *message)
{
    DeflateParameterSet set;
    if (const auto error = scanDeflateParameters(offer, ClientBitsValue::Optional, &set, message);
        error != ExtensionError::NoError)
        return error;
    DeflateParameters p;
    p.serverNoContextTakeover = set.serverNoContextTakeover || options.serverNoContextTakeover;
    p.clientNoContextTakeover = set.clientNoContextTakeover || options.clientNoContextTakeover;
    p.serverMaxWindowBits = qMin(set.serverBits, qBound(8, options.serverMaxWindowBits, 15));
    p.serverMaxWindowBitsSent = set.serverBitsSeen || p.serverMaxWindowBits < 15;
    const int clientLimit = qBound(8, options.clientMaxWindowBits, 15);
    if (clientLimit < 15 && !set.clientBitsSeen) {
        // We would need to limit the client's window, but it did not announce support (§7.1.2.2):
        // decline.
        *message = QStringLiteral(
            "offer %1 lacks client_max_window_bits, needed to limit the client window to %2")
                       .arg(quoted(offer))
                       .arg(clientLimit);
        return ExtensionError::NotOffered;
    }
    p.clientMaxWindowBits = qMin(set.clientBitsHasValue ? set.clientBits : 15, clientLimit);
    p.clientMaxWindowBitsSent = set.clientBitsSeen && (set.clientBitsHasValue || clientLimit < 15);
    *out = p;
    return ExtensionError::NoError;
}

// ---------------------------------------------------------------------------------------------------------------
// Inflater

Inflater::Inflater(int windowBits, bool noContextTakeover)
    : m_stream(std::make_unique<z_stream>())
    , m_noContextTakeover(noContextTakeover)
{
    // Raw deflate (negative window bits), RFC 7692 §7.2.2. zlib inflates windows of 8..15 bits.
    m_ok = inflateInit2(m_stream.get(), -qBound(8, windowBits, 15)) == Z_OK;
    if (!m_ok)
        m_errorString = QStringLiteral("zlib inflateInit2 failed");
}

Inflater::~Inflater()
{
    if (m_ok)
        inflateEnd(m_stream.get());
}

void Inflater::reset()
{
    if (m_ok)
        inflateReset(m_stream.get());
    m_streamEnded = false;
    m_messageInput = 0;
    m_errorString.clear();
}

Inflater::Status Inflater::run(QByteArrayView input, QByteArray &out, qint64 maxOutput)
{
    if (!m_ok)
        return Status::Corrupt;
    z_stream *z = m_stream.get();
    z->next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.data()));
    qsizetype inputLeft = input.size();
    for (;;) {
        if (inputLeft > 0)
            m_streamEnded = false; // bytes for the stream that follows a final block
        const uInt inChunk = uInt(qMin<qsizetype>(inputLeft, 1 << 30));
        z->avail_in = inChunk;
        // Output space: at most ChunkSize per round and never more than one byte past the cap, so a
        // bomb is detected with bounded memory.
        const qsizetype used = out.size();
        const qint64 room = maxOutput - used + 1;
        const qsizetype grow = qsizetype(qMin<qint64>(room, ChunkSize));
        if (grow <= 0)
            return Status::TooLarge;
        if (out.capacity() < used + grow)
            out.reserve(
                qMax(used + grow, qMin<qsizetype>(out.capacity() * 2, qsizetype(maxOutput + 1))));
        out.resize(used + grow);
        z->next_out = reinterpret_cast<Bytef *>(out.data() + used);
        z->avail_out = uInt(grow);
        const int rc = ::inflate(z, Z_SYNC_FLUSH);
        const qsizetype produced = grow - qsizetype(z->avail_out);
        out.resize(used + produced);
        inputLeft -= qsizetype(inChunk - z->avail_in);
        if (out.size() > maxOutput)
            return Status::TooLarge; // checked first: whatever else went wrong, the cap was passed
        if (rc == Z_STREAM_END) {
            // RFC 7692 §7.2.3.4: a block with BFINAL set ends the raw stream. What follows (the
            // RFC's padding octet, the appended 0x00 0x00 0xff 0xff, later messages) is inflated as
            // a new stream, as the sender's compressor starts one after a final block.
            inflateReset(z);
            m_streamEnded = true;
            if (inputLeft == 0)
                return Status::Ok;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            m_errorString = QStringLiteral("inflate failed: %1")
                                .arg(QString::fromLatin1(z->msg ? z->msg : "zlib error"));
            return Status::Corrupt;
        }
        // Done when all input is used and zlib did not fill the output (nothing pending).
        if (inputLeft == 0 && z->avail_out != 0)
            return Status::Ok;
        if (rc == Z_BUF_ERROR && z->avail_out != 0)
            return Status::Ok; // no progress possible: needs more input
    }
}

Inflater::Status Inflater::inflate(QByteArrayView input, QByteArray &out, qint64 maxOutput)
{
    if (input.isEmpty())
        return Status::Ok;
    m_messageInput += input.size();
    return limit(run(input, out, maxOutput), out, maxOutput);
}

Inflater::Status Inflater::limit(Status status, QByteArray &out, qint64 maxOutput)
{
    // run() may produce one byte past the cap to detect the overflow; never hand it out, whatever
    // the status (issue 15: a Corrupt status once left the extra byte in the output).
    if (out.size() > maxOutput) {
        out.truncate(qsizetype(qMax<qint64>(maxOutput, 0)));
        return Status::TooLarge;
    }
    return status;
}

Inflater::Status Inflater::finishMessage(QByteArray &out, qint64 maxOutput)
{
    // RFC 7692 §7.2.2: append 0x00 0x00 0xff 0xff to the payload before inflating its end.
    static const char tail[4] = {'\x00', '\x00', '\xff', '\xff'};
    const qint64 messageInput = std::exchange(m_messageInput, 0);
    if (m_streamEnded) {
        // RFC 7692 §7.2.3.4: the message ended with a BFINAL block; the stream was reset already.
        m_streamEnded = false;
        return Status::Ok;
    }
    if (messageInput == 0) {
        // An empty compressed payload: nothing to inflate. Feeding the tail alone would leave zlib
        // inside a stored block header (it is not byte-aligned data of its own) and corrupt the
        // next message.
        return Status::Ok;
    }
    const Status s = limit(run(QByteArrayView(tail, 4), out, maxOutput), out, maxOutput);
    if (s == Status::Ok && m_noContextTakeover)
        inflateReset(m_stream.get());
    return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Deflater

Deflater::Deflater(int windowBits, bool noContextTakeover, int level)
    : m_stream(std::make_unique<z_stream>())
    , m_noContextTakeover(noContextTakeover)
{
    // zlib rejects a raw window of 8 bits; 9 is safe for a peer with an 8-bit window (see the class
    // comment).
    const int bits = qBound(9, windowBits, 15);
    m_ok = deflateInit2(m_stream.get(), level, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

Deflater::~Deflater()
{
    if (m_ok)
        deflateEnd(m_stream.get());
}

void Deflater::reset()
{
    if (m_ok)
        deflateReset(m_stream.get());
}

bool Deflater::compress(QByteArrayView message, QByteArray &out)
{
    if (!m_ok)
        return false;
    if (message.isEmpty()) {
        // RFC 7692 §7.2.3.6: an empty message is sent as a single 0x00 byte (an empty stored block
        // once the receiver appends 0x00 0x00 0xff 0xff). A second Z_SYNC_FLUSH without input would
        // produce nothing.
        out.append('\0');
        return true;
    }
    z_stream *z = m_stream.get();
    const qsizetype start = out.size();
    z->next_in = reinterpret_cast<Bytef *>(const_cast<char *>(message.data()));
    qsizetype inputLeft = message.size();
    // deflateBound is for a whole stream; add room for the sync flush marker.
    qsizetype bound = qsizetype(deflateBound(z, uLong(qMin<qsizetype>(inputLeft, 1 << 30)))) + 16;
    for (;;) {
        const uInt inChunk = uInt(qMin<qsizetype>(inputLeft, 1 << 30));
        z->avail_in = inChunk;
        const qsizetype used = out.size();
        if (out.capacity() < used + bound)
            out.reserve(used + bound);
        out.resize(used + bound);
        z->next_out = reinterpret_cast<Bytef *>(out.data() + used);
        z->avail_out = uInt(bound);
        const int rc = ::deflate(z, inputLeft == qsizetype(inChunk) ? Z_SYNC_FLUSH : Z_NO_FLUSH);
        out.resize(used + bound - qsizetype(z->avail_out));
        inputLeft -= qsizetype(inChunk - z->avail_in);
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return false;
        if (inputLeft == 0 && z->avail_out != 0)
            break;
        bound = 64 * 1024;
    }
    // RFC 7692 §7.2.1: remove the 0x00 0x00 0xff 0xff the sync flush ended with.
    if (out.size() - start >= 4 && out.endsWith(QByteArrayView("\x00\x00\xff\xff", 4)))
        out.chop(4);
    if (m_noContextTakeover)
        deflateReset(z);
    return true;
}

} // namespace QtWs::Protocol
