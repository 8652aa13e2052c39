// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_DEFLATE_H
#define QTWS_PROTOCOL_DEFLATE_H

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>
#include <QtCore/QString>

#include <memory>

#include <qtws/qtws_export.h>

#include "frame.h"

struct z_stream_s;

namespace QtWs::Protocol {

/*!
    \brief One parameter of an extension element: "name" or "name=value" (RFC 6455 §9.1).
    \since 0.1
*/
struct QTWS_EXPORT ExtensionParameter
{
    QByteArray name;
    QByteArray value; //!< Unquoted.
    bool hasValue = false;
    friend bool operator==(const ExtensionParameter &a, const ExtensionParameter &b)
    {
        return a.name == b.name && a.value == b.value && a.hasValue == b.hasValue;
    }
};

/*!
    \brief One element of a Sec-WebSocket-Extensions list: a name and its parameters.
    \since 0.1
*/
struct QTWS_EXPORT ExtensionElement
{
    QByteArray name;
    QList<ExtensionParameter> parameters;
    /*! "name; p1; p2=v" as it would be sent. */
    QByteArray toByteArray() const;
};

/*!
    Parses a Sec-WebSocket-Extensions value (RFC 6455 §9.1: extension-list with tokens and
    quoted-string values that must be tokens once unquoted) and appends its elements to \a out.
    Returns false and sets \a error (quoting the value) on a syntax error. Call once per header
    field.
*/
QTWS_EXPORT bool parseExtensionList(
    QByteArrayView value, QList<ExtensionElement> *out, QString *error);

/*! The extension token of RFC 7692. */
inline constexpr char PermessageDeflateName[] = "permessage-deflate";

/*!
    \class QtWs::Protocol::DeflateOptions
    \brief What the local endpoint offers (client) or accepts (server) for permessage-deflate (RFC
    7692 §7.1).

    Client: the no-context-takeover flags and window bits below 15 are requested from the server;
    the client always announces client_max_window_bits so that the server may limit the client's
    window. Server: the flags are imposed on every accepted offer, the window bits are upper limits.
    \since 0.1
*/
struct QTWS_EXPORT DeflateOptions
{
    bool clientNoContextTakeover = false;
    bool serverNoContextTakeover = false;
    int clientMaxWindowBits = 15; //!< 8..15
    int serverMaxWindowBits = 15; //!< 8..15
    int compressionLevel = -1; //!< zlib level, -1 = Z_DEFAULT_COMPRESSION.
    friend bool operator==(const DeflateOptions &a, const DeflateOptions &b)
    {
        return a.clientNoContextTakeover == b.clientNoContextTakeover
            && a.serverNoContextTakeover == b.serverNoContextTakeover
            && a.clientMaxWindowBits == b.clientMaxWindowBits
            && a.serverMaxWindowBits == b.serverMaxWindowBits
            && a.compressionLevel == b.compressionLevel;
    }
};

/*!
    \class QtWs::Protocol::DeflateParameters
    \brief The negotiated permessage-deflate parameters (RFC 7692 §7.1), the same on both ends.
    \since 0.1
*/
struct QTWS_EXPORT DeflateParameters
{
    bool clientNoContextTakeover = false;
    bool serverNoContextTakeover = false;
    int clientMaxWindowBits = 15;
    int serverMaxWindowBits = 15;
    bool clientMaxWindowBitsSent = false; //!< Whether the response names client_max_window_bits.
    bool serverMaxWindowBitsSent = false; //!< Whether the response names server_max_window_bits.

    /*! Window bits the local endpoint with role \a local inflates with (the peer's window). */
    int inflateWindowBits(Role local) const
    {
        return local == Role::Client ? serverMaxWindowBits : clientMaxWindowBits;
    }
    /*! Window bits the local endpoint deflates with. */
    int deflateWindowBits(Role local) const
    {
        return local == Role::Client ? clientMaxWindowBits : serverMaxWindowBits;
    }
    /*!
        Whether the peer resets its compressor after every message (so we may reset our inflater).
    */
    bool inflateNoContextTakeover(Role local) const
    {
        return local == Role::Client ? serverNoContextTakeover : clientNoContextTakeover;
    }
    /*! Whether the local endpoint must reset its compressor after every message. */
    bool deflateNoContextTakeover(Role local) const
    {
        return local == Role::Client ? clientNoContextTakeover : serverNoContextTakeover;
    }
    /*! The extension element as a server sends it in the 101 response. */
    QByteArray toResponseHeader() const;

    friend bool operator==(const DeflateParameters &a, const DeflateParameters &b)
    {
        return a.clientNoContextTakeover == b.clientNoContextTakeover
            && a.serverNoContextTakeover == b.serverNoContextTakeover
            && a.clientMaxWindowBits == b.clientMaxWindowBits
            && a.serverMaxWindowBits == b.serverMaxWindowBits;
    }
};

/*!
    \enum QtWs::Protocol::ExtensionError
    \brief Why a permessage-deflate offer or response is invalid (RFC 7692 §7.1).
    \since 0.1
*/
enum class ExtensionError {
    NoError, //!< Acceptable.
    UnknownParameter, //!< A parameter RFC 7692 does not define.
    DuplicateParameter, //!< The same parameter twice in one element.
    InvalidValue, //!< A value on a flag parameter, or window bits outside 8..15 / not plain digits.
    /*!
        Response parameter the client did not allow (client_max_window_bits not announced, or a
        server_max_window_bits above the one requested, or a missing requested flag).
    */
    NotOffered,
};

/*!
    The client's offer element: "permessage-deflate; client_max_window_bits" plus requested
    parameters.
*/
QTWS_EXPORT QByteArray deflateOffer(const DeflateOptions &options);

/*!
    Client side: checks the server's permessage-deflate response element \a response against what \a
    offered asked for and fills \a out. Returns the error and sets \a message (quoting the
    parameter).
*/
QTWS_EXPORT ExtensionError parseDeflateResponse(const ExtensionElement &response,
    const DeflateOptions &offered, DeflateParameters *out, QString *message);

/*!
    Server side: decides whether the client's offer element \a offer is acceptable under \a options
    and computes the parameters to answer with. Invalid offers return an error (the server then
    declines that offer, RFC 7692 §5: it may try the next offer).
*/
QTWS_EXPORT ExtensionError negotiateDeflateOffer(const ExtensionElement &offer,
    const DeflateOptions &options, DeflateParameters *out, QString *message);

/*!
    \class QtWs::Protocol::Inflater
    \brief Decompresses permessage-deflate messages (RFC 7692 §7.2.2) with a hard cap on the output.

    Feed the compressed payload frame by frame (or in any smaller pieces) with inflate(); the output
    is appended and never grows past \a maxOutput, so a decompression bomb fails with TooLarge after
    at most one bounded chunk. finishMessage() appends the stripped 0x00 0x00 0xff 0xff tail and
    resets the window when the peer does not take over context.
    \since 0.1
*/
class QTWS_EXPORT Inflater
{
public:
    enum class Status {
        Ok, //!< Input consumed; output appended.
        TooLarge, //!< The output would exceed the cap (close 1009).
        Corrupt, //!< zlib rejected the data (close 1007).
    };
    static constexpr qsizetype ChunkSize = 16 * 1024;

    explicit Inflater(int windowBits = 15, bool noContextTakeover = false);
    ~Inflater();
    Inflater(const Inflater &) = delete;
    Inflater &operator=(const Inflater &) = delete;

    /*! Inflates \a input, appending to \a out; \a out.size() never exceeds \a maxOutput. */
    Status inflate(QByteArrayView input, QByteArray &out, qint64 maxOutput);
    /*! Ends the current message (feeds the 4-byte tail). */
    Status finishMessage(QByteArray &out, qint64 maxOutput);
    /*! Drops any state (for a new connection or after an error). */
    void reset();
    QString errorString() const { return m_errorString; }

private:
    Status run(QByteArrayView input, QByteArray &out, qint64 maxOutput);
    static Status limit(Status status, QByteArray &out, qint64 maxOutput);
    std::unique_ptr<z_stream_s> m_stream;
    qint64 m_messageInput = 0; // compressed bytes fed for the current message
    bool m_noContextTakeover = false;
    bool m_ok = false;
    bool m_streamEnded = false;
    QString m_errorString;
};

/*!
    \class QtWs::Protocol::Deflater
    \brief Compresses whole messages for permessage-deflate (RFC 7692 §7.2.1).

    Uses a Z_SYNC_FLUSH per message and strips the final 0x00 0x00 0xff 0xff. zlib refuses a raw
    window of 8 bits; a negotiated 8 is deflated with 9, which is safe because zlib never emits
    distances beyond window size - 262 (250 bytes for a 512-byte window), within the peer's 256-byte
    window.
    \since 0.1
*/
class QTWS_EXPORT Deflater
{
public:
    explicit Deflater(int windowBits = 15, bool noContextTakeover = false, int level = -1);
    ~Deflater();
    Deflater(const Deflater &) = delete;
    Deflater &operator=(const Deflater &) = delete;

    /*!
        Appends the compressed form of the whole message \a message to \a out. Returns false on a
        zlib failure.
    */
    bool compress(QByteArrayView message, QByteArray &out);
    void reset();

private:
    std::unique_ptr<z_stream_s> m_stream;
    bool m_noContextTakeover = false;
    bool m_ok = false;
};

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_DEFLATE_H
