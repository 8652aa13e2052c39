// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pageserver.h"

#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QPointer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QTcpSocket>

#include <array>

namespace {
constexpr std::chrono::milliseconds RequestTimeout {10000};

QByteArray contentType(const QString &path)
{
    static const QHash<QString, QByteArray> types {
        {QStringLiteral("html"), "text/html; charset=utf-8"},
        {QStringLiteral("js"), "text/javascript; charset=utf-8"},
        {QStringLiteral("css"), "text/css; charset=utf-8"},
        {QStringLiteral("json"), "application/json"},
        {QStringLiteral("svg"), "image/svg+xml"},
        {QStringLiteral("png"), "image/png"},
    };
    return types.value(path.section(u'.', -1).toLower(), "application/octet-stream");
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    }
    return "Error";
}
} // namespace

PageServer::PageServer(const QString &root, QObject *parent)
    : QObject(parent)
    , m_root(root)
{
    std::array<quint32, 4> random {};
    QRandomGenerator::system()->fillRange(random.data(), random.size());
    m_token = QByteArray(reinterpret_cast<const char *>(random.data()), sizeof random).toHex();
    connect(&m_server, &QTcpServer::newConnection, this, &PageServer::accept);
}

bool PageServer::listen()
{
    m_server.setProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString PageServer::origin() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort());
}

QUrl PageServer::url(const QString &pathAndQuery) const
{
    return QUrl(origin() + pathAndQuery);
}

void PageServer::accept()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(RequestTimeout, socket, [socket] {
            if (!socket->property("answered").toBool())
                socket->abort();
        });
    }
}

void PageServer::read(QTcpSocket *socket)
{
    if (socket->property("answered").toBool()) {
        socket->readAll(); // one request per connection
        return;
    }
    QByteArray head = socket->property("head").toByteArray() + socket->readAll();
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0) {
        if (head.size() > MaxRequestHeadBytes)
            respond(socket, 431, "text/plain", "request head too large\n");
        else
            socket->setProperty("head", head);
        return;
    }
    Request request;
    if (!parseHead(head.left(end), &request)) {
        respond(socket, 400, "text/plain", "bad request\n");
        return;
    }
    handle(socket, request);
}

bool PageServer::parseHead(const QByteArray &head, Request *request)
{
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1."))
        return false;
    request->method = requestLine.at(0);
    const QUrl target = QUrl::fromEncoded(requestLine.at(1), QUrl::StrictMode);
    if (!target.isValid() || !requestLine.at(1).startsWith('/'))
        return false;
    request->path = target.path(QUrl::FullyDecoded);
    request->query = QUrlQuery(target);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0
            && line.left(colon).trimmed().compare("x-qtws-demo-token", Qt::CaseInsensitive) == 0)
            request->token = line.mid(colon + 1).trimmed();
    }
    return true;
}

void PageServer::handle(QTcpSocket *socket, const Request &request)
{
    if (request.method != "GET" && request.method != "HEAD") {
        respond(socket, 405, "text/plain", "only GET and HEAD\n");
        return;
    }
    if (request.path == u"/config.json") {
        QJsonObject config = m_config;
        config.insert(QStringLiteral("token"), QString::fromLatin1(m_token));
        respond(socket, 200, "application/json", QJsonDocument(config).toJson(),
            request.method == "HEAD");
        return;
    }
    if (request.path.startsWith(u"/api/")) {
        const auto api = m_apis.constFind(request.path.mid(5));
        if (api == m_apis.cend()) {
            respond(socket, 404, "text/plain", "no such call\n");
        } else if (request.token != m_token) {
            respond(socket, 403, "text/plain", "missing or wrong X-Qtws-Demo-Token\n");
        } else {
            socket->setProperty("answered", true); // the answer may come later
            QPointer<QTcpSocket> guard(socket);
            (*api)(request.query, [guard](const QJsonObject &answer) {
                if (guard)
                    respond(guard, 200, "application/json", QJsonDocument(answer).toJson());
            });
        }
        return;
    }
    serveFile(socket, request);
}

void PageServer::serveFile(QTcpSocket *socket, const Request &request)
{
    QString path = request.path == u"/" ? QStringLiteral("/index.html") : request.path;
    if (path.split(u'/').contains(QStringLiteral(".."))) {
        respond(socket, 404, "text/plain", "not found\n");
        return;
    }
    QFile file(m_root + path);
    if (!file.open(QIODevice::ReadOnly)) {
        respond(socket, 404, "text/plain", "not found\n");
        return;
    }
    respond(socket, 200, contentType(path), file.readAll(), request.method == "HEAD");
}

void PageServer::respond(
    QTcpSocket *socket, int status, const QByteArray &type, const QByteArray &body, bool headOnly)
{
    socket->setProperty("answered", true);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: " + type + "\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: "
          "close\r\n\r\n";
    if (!headOnly)
        response += body;
    socket->write(response);
    socket->disconnectFromHost(); // after the pending bytes are written
}
