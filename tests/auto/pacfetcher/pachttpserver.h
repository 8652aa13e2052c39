// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TEST_PACHTTPSERVER_H
#define QTWS_TEST_PACHTTPSERVER_H

// A minimal HTTP/1.1 server on 127.0.0.1 (port chosen by the OS) serving PAC scripts to tests:
// fixed routes, redirects, oversized bodies, and a route that never answers. One request per
// connection. Given a TLS configuration, it serves HTTPS.

#include <QtCore/QHash>
#include <QtCore/QUrl>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

class PacHttpServer : public QObject
{
    Q_OBJECT
public:
    struct Route
    {
        int status = 200;
        QByteArray reason = "OK";
        QByteArray body;
        QByteArray location; // for redirects
        bool silent = false; // read the request, never answer
        bool noLength = false; // no Content-Length: the body ends when the connection closes
        qint64 declaredLength = -1; // a Content-Length other than the body's size
    };

    explicit PacHttpServer(QObject *parent = nullptr)
        : QObject(parent)
        , m_server(new QTcpServer(this))
    {
        connect(m_server, &QTcpServer::newConnection, this, &PacHttpServer::accept);
    }
    explicit PacHttpServer(const QSslConfiguration &tls, QObject *parent = nullptr)
        : QObject(parent)
        , m_tls(true)
    {
        auto *server = new QSslServer(this);
        server->setSslConfiguration(tls);
        m_server = server;
        // QSslServer queues a connection only once its handshake is done.
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &PacHttpServer::accept);
    }
    bool listen() { return m_server->listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server->serverPort(); }
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2%3")
                        .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                        .arg(port())
                        .arg(path));
    }
    void setRoute(const QByteArray &path, const Route &route) { m_routes.insert(path, route); }
    void setScript(const QByteArray &path, const QByteArray &script)
    {
        Route r;
        r.body = script;
        m_routes.insert(path, r);
    }
    int hits(const QByteArray &path) const { return m_hits.value(path); }
    QByteArray lastHostHeader() const { return m_lastHost; }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket]() { serve(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }
    void serve(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        m_buffers.remove(socket);
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        const QByteArray path = requestLine.value(1);
        for (const QByteArray &line : lines) {
            if (line.toLower().startsWith("host:"))
                m_lastHost = line.mid(5).trimmed();
        }
        ++m_hits[path];
        const Route route = m_routes.value(
            path, Route {404, "Not Found", "no such script", {}, false, false, -1});
        if (route.silent)
            return;
        QByteArray response
            = "HTTP/1.1 " + QByteArray::number(route.status) + ' ' + route.reason + "\r\n";
        if (!route.location.isEmpty())
            response += "Location: " + route.location + "\r\n";
        if (!route.noLength) {
            const qint64 length
                = route.declaredLength >= 0 ? route.declaredLength : route.body.size();
            response += "Content-Length: " + QByteArray::number(length) + "\r\n";
        }
        response += "Content-Type: application/x-ns-proxy-autoconfig\r\nConnection: close\r\n\r\n";
        response += route.body;
        socket->write(response);
        socket->disconnectFromHost();
    }

    QTcpServer *m_server = nullptr;
    bool m_tls = false;
    QHash<QByteArray, Route> m_routes;
    QHash<QByteArray, int> m_hits;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QByteArray m_lastHost;
};

#endif // QTWS_TEST_PACHTTPSERVER_H
