// SPDX-License-Identifier: LGPL-3.0-or-later
// PAC downloads: file:, data:, and http: from a loopback server (redirects, size cap, 404, timeout,
// refused); classifyReply() on the facts a transfer leaves.
#include "proxy/pacfetcher.h"

#include "pachttpserver.h"

#include "testcertificates.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslKey>
#include <QtTest/QtTest>

#include <optional>

Q_DECLARE_METATYPE(QtWs::PacReplyFacts)

using namespace QtWs;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {
const QByteArray script = "function FindProxyForURL(url, host) { return \"PROXY p.corp:3128\"; }\n";
} // namespace

class tst_PacFetcher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void http_data();
    void http();
    void httpTimeout();
    void httpRefused();
    void https();
    void local_data();
    void local();
    void neverSynchronous();
    void contextDestroyed();
    void classifyReply_data();
    void classifyReply();

private:
    std::optional<PacFetchResult> fetch(const QUrl &url, std::chrono::milliseconds timeout = 5s);
    PacHttpServer m_server;
    QTemporaryDir m_dir;
};

std::optional<PacFetchResult> tst_PacFetcher::fetch(
    const QUrl &url, std::chrono::milliseconds timeout)
{
    PacFetcher fetcher;
    std::optional<PacFetchResult> result;
    fetcher.fetch(url, timeout, this, [&](const PacFetchResult &r) { result = r; });
    // The deadline of every fetch is far below this: a hang fails here, not at the ctest timeout.
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 20000))
        return std::nullopt;
    return result;
}

void tst_PacFetcher::initTestCase()
{
    QVERIFY(m_server.listen());
    QVERIFY(m_dir.isValid());
    m_server.setScript("/proxy.pac", script);
    PacHttpServer::Route redirect;
    redirect.status = 302;
    redirect.reason = "Found";
    redirect.location = "/proxy.pac";
    m_server.setRoute("/moved", redirect);
    // A chain: /hop0 -> /hop1 -> ... -> /hop6 -> /proxy.pac
    for (int i = 0; i < 7; ++i) {
        PacHttpServer::Route hop = redirect;
        hop.location = i == 6 ? QByteArray("/proxy.pac") : "/hop" + QByteArray::number(i + 1);
        m_server.setRoute("/hop" + QByteArray::number(i), hop);
    }
    PacHttpServer::Route big;
    big.body = QByteArray(PacFetcher::MaxScriptSize + 1, 'x');
    m_server.setRoute("/big-declared", big);
    big.noLength = true;
    m_server.setRoute("/big-streamed", big);
    PacHttpServer::Route exact;
    exact.body = QByteArray(PacFetcher::MaxScriptSize, ' ');
    m_server.setRoute("/exactly-max", exact);
    PacHttpServer::Route serverError;
    serverError.status = 503;
    serverError.reason = "Service Unavailable";
    m_server.setRoute("/down", serverError);
    PacHttpServer::Route toFile = redirect;
    toFile.location = "file:///etc/hostname";
    m_server.setRoute("/to-file", toFile);
}

void tst_PacFetcher::http_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<qsizetype>("size");

    QTest::addRow("plain") << "/proxy.pac" << true << "" << qsizetype(script.size());
    QTest::addRow("one redirect") << "/moved" << true << "" << qsizetype(script.size());
    QTest::addRow("five redirects") << "/hop2" << true << "" << qsizetype(script.size());
    QTest::addRow("exactly the cap")
        << "/exactly-max" << true << "" << qsizetype(PacFetcher::MaxScriptSize);
    QTest::addRow("six redirects") << "/hop1" << false << "more than 5 redirects" << qsizetype(0);
    QTest::addRow("seven redirects") << "/hop0" << false << "more than 5 redirects" << qsizetype(0);
    QTest::addRow("404") << "/missing.pac" << false << "HTTP 404 Not Found" << qsizetype(0);
    QTest::addRow("503") << "/down" << false << "HTTP 503 Service Unavailable" << qsizetype(0);
    QTest::addRow("declared too large")
        << "/big-declared" << false << "larger than 1048576" << qsizetype(0);
    QTest::addRow("streamed too large")
        << "/big-streamed" << false << "larger than 1048576" << qsizetype(0);
    QTest::addRow("redirect to file:")
        << "/to-file" << false << "redirect to 'file:///etc/hostname' not followed" << qsizetype(0);
}

void tst_PacFetcher::http()
{
    QFETCH(QString, path);
    QFETCH(bool, ok);
    QFETCH(QString, errorContains);
    QFETCH(qsizetype, size);
    const QUrl url = m_server.url(path);
    const auto result = fetch(url);
    QVERIFY(result);
    QVERIFY2(result->isValid() == ok, qPrintable(result->errorString));
    if (ok) {
        QCOMPARE(result->script.size(), size);
        QVERIFY(result->errorString.isEmpty());
    } else {
        QVERIFY(result->script.isEmpty());
        QVERIFY2(result->errorString.startsWith(u"PAC "_s + url.toString()),
            qPrintable(result->errorString));
        QVERIFY2(result->errorString.contains(errorContains), qPrintable(result->errorString));
    }
}

void tst_PacFetcher::httpTimeout()
{
    PacHttpServer::Route silent;
    silent.silent = true;
    m_server.setRoute("/silent", silent);
    const auto result = fetch(m_server.url(u"/silent"_s), 300ms);
    QVERIFY(result);
    QVERIFY(!result->isValid());
    QVERIFY2(result->errorString.contains(u"no complete answer within 300 ms"_s),
        qPrintable(result->errorString));
    QCOMPARE(m_server.hits("/silent"), 1);
}

void tst_PacFetcher::httpRefused()
{
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    const auto result = fetch(QUrl(u"http://127.0.0.1:%1/proxy.pac"_s.arg(closedPort)));
    QVERIFY(result);
    QVERIFY(!result->isValid());
    QVERIFY2(result->errorString.contains(u"refused"_s, Qt::CaseInsensitive),
        qPrintable(result->errorString));
}

void tst_PacFetcher::https()
{
    // A CA and a server certificate for 127.0.0.1, made for this run.
    QtWs::Test::TestCertificates certificates;
    QVERIFY2(certificates.generate(m_dir.path()), qPrintable(certificates.errorString()));
    const QSslConfiguration tls = certificates.serverConfiguration();
    PacHttpServer server(tls);
    QVERIFY(server.listen());
    server.setScript("/proxy.pac", script);

    // Not trusted: the fetch fails; certificate errors are never ignored.
    const auto untrusted = fetch(server.url(u"/proxy.pac"_s));
    QVERIFY(untrusted);
    QVERIFY(!untrusted->isValid());
    QVERIFY2(untrusted->errorString.contains(u"certificate"_s, Qt::CaseInsensitive),
        qPrintable(untrusted->errorString));

    // Trusted (the test's CA added to the default configuration): fetched.
    const QSslConfiguration saved = QSslConfiguration::defaultConfiguration();
    QSslConfiguration trusting = saved;
    trusting.addCaCertificate(certificates.ca());
    QSslConfiguration::setDefaultConfiguration(trusting);
    const auto trusted = fetch(server.url(u"/proxy.pac"_s));
    QSslConfiguration::setDefaultConfiguration(saved);
    QVERIFY(trusted);
    QVERIFY2(trusted->isValid(), qPrintable(trusted->errorString));
    QCOMPARE(trusted->script.toUtf8(), script);
}

void tst_PacFetcher::local_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QByteArray>("expected");

    const QString good = m_dir.filePath(u"good.pac"_s);
    QFile goodFile(good);
    QVERIFY(goodFile.open(QIODevice::WriteOnly));
    goodFile.write(script);
    goodFile.close();
    const QString big = m_dir.filePath(u"big.pac"_s);
    QFile bigFile(big);
    QVERIFY(bigFile.open(QIODevice::WriteOnly));
    bigFile.write(QByteArray(PacFetcher::MaxScriptSize + 1, ' '));
    bigFile.close();

    QTest::addRow("file") << QUrl::fromLocalFile(good) << true << script;
    QTest::addRow("file missing") << QUrl::fromLocalFile(m_dir.filePath(u"nope.pac"_s)) << false
                                  << QByteArray();
    QTest::addRow("file too large") << QUrl::fromLocalFile(big) << false << QByteArray();
    QTest::addRow("data base64") << QUrl(u"data:application/x-ns-proxy-autoconfig;base64,"_s
        + QString::fromLatin1(script.toBase64()))
                                 << true << script;
    QTest::addRow("data percent-encoded")
        << QUrl(u"data:,"_s + QString::fromLatin1(script.toPercentEncoding())) << true << script;
    QTest::addRow("data plain text") << QUrl(u"data:text/plain,function%20FindProxyForURL(){}"_s)
                                     << true << QByteArray("function FindProxyForURL(){}");
    QTest::addRow("data bad base64") << QUrl(u"data:;base64,@@@@"_s) << false << QByteArray();
    QTest::addRow("data without comma") << QUrl(u"data:text/plain"_s) << false << QByteArray();
    QTest::addRow("ftp unsupported") << QUrl(u"ftp://127.0.0.1/p.pac"_s) << false << QByteArray();
}

void tst_PacFetcher::local()
{
    QFETCH(QUrl, url);
    QFETCH(bool, ok);
    QFETCH(QByteArray, expected);
    const auto result = fetch(url);
    QVERIFY(result);
    QVERIFY2(result->isValid() == ok, qPrintable(result->errorString));
    if (ok)
        QCOMPARE(result->script.toUtf8(), expected);
    else
        QVERIFY(result->errorString.startsWith(u"PAC "_s));
}

void tst_PacFetcher::neverSynchronous()
{
    PacFetcher fetcher;
    bool called = false;
    fetcher.fetch(QUrl(u"data:,x"_s), 1s, this, [&](const PacFetchResult &) { called = true; });
    QVERIFY(!called);
    QTRY_VERIFY(called);
}

void tst_PacFetcher::contextDestroyed()
{
    PacFetcher fetcher;
    bool called = false;
    auto *context = new QObject;
    fetcher.fetch(
        m_server.url(u"/proxy.pac"_s), 5s, context, [&](const PacFetchResult &) { called = true; });
    bool sentinel = false;
    fetcher.fetch(
        m_server.url(u"/proxy.pac"_s), 5s, this, [&](const PacFetchResult &) { sentinel = true; });
    delete context;
    QTRY_VERIFY(sentinel);
    QVERIFY(!called);
}

void tst_PacFetcher::classifyReply_data()
{
    // What an ended transfer left, decided without a network: each row fails for one reason, in
    // the order the checks run (an abort wins over the status it may have seen).
    QTest::addColumn<PacReplyFacts>("facts");
    QTest::addColumn<QString>("error"); // empty: the script is the body

    PacReplyFacts ok;
    ok.status = 200;
    ok.reasonPhrase = u"OK"_s;
    ok.body = script;
    QTest::addRow("200 with a script") << ok << QString();

    PacReplyFacts empty = ok;
    empty.body.clear();
    QTest::addRow("200 with an empty body") << empty << QString();

    PacReplyFacts aborted = ok;
    aborted.abortReason = u"no complete answer within 5 ms"_s;
    aborted.error = QNetworkReply::OperationCanceledError;
    QTest::addRow("aborted by the deadline")
        << aborted << u"PAC http://h/p.pac: no complete answer within 5 ms"_s;

    PacReplyFacts redirects;
    redirects.error = QNetworkReply::TooManyRedirectsError;
    redirects.status = 302;
    QTest::addRow("too many redirects")
        << redirects << u"PAC http://h/p.pac: more than 5 redirects"_s;

    PacReplyFacts refusedRedirect;
    refusedRedirect.error = QNetworkReply::InsecureRedirectError;
    refusedRedirect.errorString = u"Insecure redirect"_s;
    refusedRedirect.status = 301;
    refusedRedirect.location = "http://plain/p.pac";
    QTest::addRow("redirect not followed")
        << refusedRedirect
        << u"PAC http://h/p.pac: redirect to "
           u"'http://plain/p.pac' not followed: Insecure redirect"_s;

    PacReplyFacts refused;
    refused.error = QNetworkReply::ConnectionRefusedError;
    refused.errorString = u"Connection refused"_s;
    QTest::addRow("no response head") << refused << u"PAC http://h/p.pac: Connection refused"_s;

    PacReplyFacts notFound;
    notFound.error = QNetworkReply::ContentNotFoundError;
    notFound.status = 404;
    notFound.reasonPhrase = u"Not Found"_s;
    notFound.body = "<html>nope</html>";
    QTest::addRow("404") << notFound << u"PAC http://h/p.pac: server answered HTTP 404 Not Found"_s;

    PacReplyFacts informational;
    informational.status = 101;
    informational.reasonPhrase = u"Switching Protocols"_s;
    QTest::addRow("1xx is no script")
        << informational << u"PAC http://h/p.pac: server answered HTTP 101 Switching Protocols"_s;

    PacReplyFacts large = ok;
    large.body = QByteArray(PacFetcher::MaxScriptSize + 1, 'x');
    QTest::addRow("body over the cap")
        << large << u"PAC http://h/p.pac: script larger than 1048576 bytes (1048577)"_s;
}

void tst_PacFetcher::classifyReply()
{
    QFETCH(PacReplyFacts, facts);
    QFETCH(QString, error);
    const PacFetchResult result = QtWs::classifyReply(QUrl(u"http://user:pw@h/p.pac"_s), facts);
    QCOMPARE(result.errorString, error);
    QCOMPARE(result.isValid(), error.isEmpty());
    if (result.isValid())
        QCOMPARE(result.script, QString::fromUtf8(facts.body));
    else
        QVERIFY(result.script.isEmpty());
}

QTEST_GUILESS_MAIN(tst_PacFetcher)
#include "tst_pacfetcher.moc"
