// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROTOCOL_UTF8_H
#define QTWS_PROTOCOL_UTF8_H

#include <QtCore/QByteArrayView>

#include <qtws/qtws_export.h>

namespace QtWs::Protocol {

/*!
    \class QtWs::Protocol::Utf8Validator
    \brief Incremental UTF-8 validator (RFC 3629 §4) for text messages that arrive in pieces (RFC
    6455 §8.1).

    feed() can be called with any split of the message, even inside a multi-byte sequence, and fails
    at the first byte that cannot start or continue a valid sequence (overlongs, surrogates, code
    points above U+10FFFF), so a fragmented message is rejected as soon as possible. At the end of
    the message, isComplete() tells whether a sequence was left unfinished. Pure ASCII runs are
    checked 16 bytes at a time.
    \since 0.1
*/
class QTWS_EXPORT Utf8Validator
{
public:
    /*!
        Validates \a data as the continuation of what was fed before. Returns false at the first
        invalid byte; the validator then stays invalid until reset().
    */
    bool feed(QByteArrayView data) noexcept;
    /*! True if nothing invalid was seen so far. */
    bool isValid() const noexcept { return m_state != Invalid; }
    /*! True if everything fed so far is valid and ends on a character boundary. */
    bool isComplete() const noexcept { return m_state == Accept; }
    /*! Offset (from the first byte fed since reset()) of the first invalid byte, or -1. */
    qint64 errorOffset() const noexcept { return m_errorOffset; }
    void reset() noexcept
    {
        m_state = Accept;
        m_offset = 0;
        m_errorOffset = -1;
    }

    /*! True if \a data is complete, valid UTF-8. */
    static bool isValidUtf8(QByteArrayView data) noexcept;

private:
    enum : quint8 {
        Accept = 0,
        Invalid = 1,
    };
    quint8 m_state = Accept;
    qint64 m_offset = 0;
    qint64 m_errorOffset = -1;
};

/*!
    The longest prefix of \a utf8 no longer than \a maxBytes that ends on a character boundary (for
    close reasons cut to fit 123 bytes, RFC 6455 §5.5). \a utf8 must be valid UTF-8.
*/
QTWS_EXPORT qsizetype utf8BoundaryPrefix(QByteArrayView utf8, qsizetype maxBytes) noexcept;

} // namespace QtWs::Protocol

#endif // QTWS_PROTOCOL_UTF8_H
