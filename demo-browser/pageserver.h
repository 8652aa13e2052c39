// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWSDEMO_PAGESERVER_H
#define QTWSDEMO_PAGESERVER_H

#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>
#include <QtNetwork/QTcpServer>

#include <functional>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

/*!
    \class PageServer
    \brief Serves the bundled pages (a resource folder, or a directory for tests) over HTTP/1.1
    on a loopback port, with /config.json and the demo's API calls.

    Pages need a real http:// origin: the bridge's origin allowlist and the relay's Origin check
    work on http(s) origins, which a custom URL scheme does not have. The server answers GET and
    HEAD, one request per connection, and nothing else:
    \list
    \li \c /config.json: config() plus the API token;
    \li \c /api/<name>?...: the handler added with addApi(), only for a request that carries the
        token in the \c X-Qtws-Demo-Token header. A page of another origin cannot send that
        header (the CORS preflight gets no permission) nor read /config.json;
    \li any other path: the file under root(), \c / being \c /index.html.
    \endlist
    \since 0.2
*/
class PageServer : public QObject
{
    Q_OBJECT
public:
    /*! Largest request head read; a longer one gets 431. */
    static constexpr qsizetype MaxRequestHeadBytes = 16 * 1024;

    /*! Sends the JSON answer of an API call (once). */
    using Respond = std::function<void(const QJsonObject &answer)>;
    /*! An API call's handler: the query, and how to answer (now or later). */
    using ApiHandler = std::function<void(const QUrlQuery &query, Respond respond)>;

    explicit PageServer(const QString &root, QObject *parent = nullptr);

    /*! Listens on 127.0.0.1, on a free port. */
    bool listen();
    QString errorString() const { return m_server.errorString(); }
    /*! http://127.0.0.1:PORT */
    QString origin() const;
    /*! \a pathAndQuery on this server. */
    QUrl url(const QString &pathAndQuery) const;

    /*! What /config.json says (besides the token). */
    void setConfig(const QJsonObject &config) { m_config = config; }
    void addApi(const QString &name, ApiHandler handler)
    {
        m_apis.insert(name, std::move(handler));
    }

private:
    struct Request
    {
        QByteArray method;
        QString path;
        QUrlQuery query;
        QByteArray token;
    };
    void accept();
    void read(QTcpSocket *socket);
    static bool parseHead(const QByteArray &head, Request *request);
    void handle(QTcpSocket *socket, const Request &request);
    void serveFile(QTcpSocket *socket, const Request &request);
    static void respond(QTcpSocket *socket, int status, const QByteArray &type,
        const QByteArray &body, bool headOnly = false);

    QString m_root;
    QTcpServer m_server;
    QByteArray m_token;
    QJsonObject m_config;
    QHash<QString, ApiHandler> m_apis;
};

#endif // QTWSDEMO_PAGESERVER_H
