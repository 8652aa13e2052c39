// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_RELAY_REQUESTREADER_H
#define QTWS_RELAY_REQUESTREADER_H

#include "protocol/httpmessage.h"

#include <QtCore/QUrlQuery>

namespace QtWs::Relay {

/*! A parsed request as the relay routes it. */
struct Request
{
    Protocol::HttpRequestHead head;
    QByteArray body;
    /*! The decoded path of the target (origin-form, or the path of an absolute-form target). */
    QString path;
    QUrlQuery query;
    /*! "Connection: upgrade" and "Upgrade: websocket" (RFC 6455 §4.2.1 items 3-4). */
    bool upgrade = false;
    bool keepAlive = true;
};

/*!
    The pure part of the relay's HttpConnection: reads one request (head, then body) at a time with
    the shared HTTP codec, within the head and body limits, and says which error response a bad
    request gets. No socket and no timer: HttpConnection feeds it what it read, and so does the fuzz
    target (tests/fuzz/fuzz_relay_request.cpp).
*/
class QTWS_EXPORT RequestReader
{
public:
    enum class Status {
        NeedMore, //!< every byte given was consumed; the request is not complete
        Done, //!< a request is complete: takeRequest(); the bytes not consumed follow it
        Error, //!< the request is refused with errorStatus(); the connection must close
    };
    struct Result
    {
        Status status = Status::NeedMore;
        qsizetype consumed = 0;
    };

    RequestReader(qint64 maxHeadBytes, qint64 maxBodyBytes);

    /*! Reads from \a data; after Done, call takeRequest() before feeding the next request. */
    Result feed(QByteArrayView data);
    /*! The complete request; the reader starts over with the next one. */
    Request takeRequest();

    /*! True while the head is being read (no body yet). */
    bool isReadingHead() const { return m_stage == Stage::Head; }
    /*! True when nothing of a request has been read: an idle keep-alive connection. */
    bool isIdle() const { return m_stage == Stage::Head && m_parser.headBytes() == 0; }
    /*! The response status of an Error: 400, 413 (body too large) or 431 (head too large). */
    int errorStatus() const { return m_errorStatus; }
    QByteArray errorReason() const { return m_errorReason; }
    QString errorString() const { return m_errorString; }

private:
    enum class Stage { Head, Body, Complete, Failed };
    Status readHead(QByteArrayView data, qsizetype *pos);
    bool startBody();
    Status readBody(QByteArrayView data, qsizetype *pos);
    Status fail(int status, const QByteArray &reason, const QString &message);

    qint64 m_maxBodyBytes;
    Stage m_stage = Stage::Head;
    Protocol::HttpHeadParser m_parser;
    Protocol::HttpBodyDecoder m_body;
    Request m_request;
    int m_errorStatus = 0;
    QByteArray m_errorReason;
    QString m_errorString;
};

} // namespace QtWs::Relay

#endif // QTWS_RELAY_REQUESTREADER_H
