// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-pac as a user runs it: --resolve under controlled environments (variables, QTWS_PAC_URL to a
// file, to a loopback HTTP server, to nowhere; a KDE kioslaverc), and pactester-style
// -p/-u/-h/-c/-f evaluation.
#include "../../auto/pacfetcher/pachttpserver.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace Qt::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// A corporate script. (Not a raw string literal: moc mis-parses those at namespace scope.)
const char corpPac[]
    = "function FindProxyForURL(url, host) {\n"
      "    if (isPlainHostName(host) || dnsDomainIs(host, \".intranet.example\"))\n"
      "        return \"DIRECT\";\n"
      "    if (isInNet(myIpAddress(), \"10.20.0.0\", \"255.255.0.0\"))\n"
      "        return \"PROXY branch.corp:8080\";\n"
      "    if (shExpMatch(url, \"wss://*\"))\n"
      "        return \"HTTPS secure.corp:443; SOCKS5 [fd00::1]:1080\";\n"
      "    return \"PROXY p.corp:3128; DIRECT\";\n"
      "}\n";

} // namespace

class tst_QtwsPac : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void resolve_data();
    void resolve();
    void resolveJsonHidesCredentials();
    void resolveFromHttpPac();
    void evaluate_data();
    void evaluate();
    void evaluateUrlList();
    void pactesterOutput_data();
    void pactesterOutput();
    void usage_data();
    void usage();

private:
    Run run(const QStringList &arguments, const QStringList &environment = {});
    QString write(const QString &name, const QByteArray &content);
    QTemporaryDir m_dir;
};

void tst_QtwsPac::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(QTWS_PAC_TOOL)));
    QVERIFY(m_dir.isValid());
    write(u"corp.pac"_s, corpPac);
    write(u"broken.pac"_s, "function FindProxyForURL(url, host) {\n  return \"DIRECT\"\n  }}\n");
    write(
        u"throws.pac"_s, "function FindProxyForURL(url, host) {\n  throw new Error('nope');\n}\n");
    write(u"urls.txt"_s,
        "http://a.example/\n# comment\n\nwss://b.example/\nhttp://wiki.intranet.example/\n");
    // A stand-in for GNOME's gsettings, found first on PATH by the rows that say so.
    QDir(m_dir.path()).mkpath(u"gnome-bin"_s);
    const QString gsettings = write(u"gnome-bin/gsettings"_s,
        "#!/bin/sh\n"
        "[ \"$1 $2\" = \"list-recursively org.gnome.system.proxy\" ] || exit 1\n"
        "cat <<'EOF'\n"
        "org.gnome.system.proxy autoconfig-url ''\n"
        "org.gnome.system.proxy ignore-hosts ['localhost', '127.0.0.0/8', '::1', "
        "'*.intranet.example']\n"
        "org.gnome.system.proxy mode 'manual'\n"
        "org.gnome.system.proxy use-same-proxy false\n"
        "org.gnome.system.proxy.http host 'gnome.corp'\n"
        "org.gnome.system.proxy.http port 3128\n"
        "org.gnome.system.proxy.https host ''\n"
        "org.gnome.system.proxy.https port 0\n"
        "org.gnome.system.proxy.socks host 'socks.corp'\n"
        "org.gnome.system.proxy.socks port 1080\n"
        "EOF\n");
    QVERIFY(
        QFile::setPermissions(gsettings, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    QDir(m_dir.path()).mkpath(u"kde"_s);
    write(u"kde/kioslaverc"_s,
        "[Proxy Settings]\nProxyType=1\nhttpProxy=http://kde.corp "
        "3128\nhttpsProxy=http://kdes.corp 3129\n"
        "NoProxyFor=.intranet.example\n");
}

QString tst_QtwsPac::write(const QString &name, const QByteArray &content)
{
    QFile file(m_dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly))
        return QString();
    file.write(content);
    return file.fileName();
}

Run tst_QtwsPac::run(const QStringList &arguments, const QStringList &environment)
{
    // A clean environment: no proxy variables or desktop settings of the machine running the tests.
    QProcessEnvironment env;
    env.insert(u"PATH"_s, qEnvironmentVariable("PATH"));
    env.insert(u"HOME"_s, m_dir.path());
    env.insert(u"XDG_CONFIG_HOME"_s, m_dir.path());
    for (const QString &assignment : environment) {
        const qsizetype eq = assignment.indexOf(u'=');
        env.insert(assignment.left(eq), assignment.mid(eq + 1));
    }
    QProcess process;
    process.setProcessEnvironment(env);
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral(QTWS_PAC_TOOL), arguments);
    Run result;
    if (!process.waitForStarted(10000))
        return result;
    // Keep the event loop running: some rows serve the PAC script from this process.
    if (finished.isEmpty() && !finished.wait(60000)) {
        process.kill();
        process.waitForFinished(5000);
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

void tst_QtwsPac::resolve_data()
{
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expected"); // stdout, or a piece of stderr when failing

    const QString pacFile = m_dir.filePath(u"corp.pac"_s);
    QTest::addRow("nothing configured") << QStringList {} << "wss://chat.example.org/" << 0
                                        << "DIRECT\tEnvironment\tno system proxy configuration\n";
    QTest::addRow("https_proxy for wss")
        << QStringList {u"https_proxy=http://p.corp:3128"_s, u"http_proxy=http://h.corp:80"_s}
        << "wss://chat.example.org/" << 0 << "PROXY p.corp:3128\tEnvironment\thttps_proxy\n";
    QTest::addRow("http_proxy for ws")
        << QStringList {u"HTTPS_PROXY=http://p.corp:3128"_s, u"http_proxy=socks5://s.corp"_s}
        << "ws://chat.example.org/" << 0 << "SOCKS5 s.corp:1080\tEnvironment\thttp_proxy\n";
    QTest::addRow("lower case wins")
        << QStringList {u"HTTPS_PROXY=http://upper:1"_s, u"https_proxy=http://lower:2"_s}
        << "wss://chat.example.org/" << 0 << "PROXY lower:2\tEnvironment\thttps_proxy\n";
    QTest::addRow("no_proxy") << QStringList {u"https_proxy=http://p.corp:3128"_s,
        u"no_proxy=.example.org"_s}
                              << "wss://chat.example.org/" << 0
                              << "DIRECT\tEnvironment\tenvironment\n";
    QTest::addRow("loopback") << QStringList {u"all_proxy=http://p.corp:3128"_s}
                              << "wss://localhost:8443/" << 0 << "DIRECT\tEnvironment\tloopback\n";
    QTest::addRow("QTWS_PAC_URL file")
        << QStringList {u"QTWS_PAC_URL="_s + pacFile, u"https_proxy=http://ignored:1"_s}
        << "wss://chat.example.org/" << 0
        << u"HTTPS secure.corp:443\tPac\t%1\nSOCKS5 [fd00::1]:1080\tPac\t%1\n"_s.arg(
               QUrl::fromLocalFile(pacFile).toString());
    QTest::addRow("QTWS_PAC_URL file, ws")
        << QStringList {u"QTWS_PAC_URL=file://"_s + pacFile} << "ws://chat.example.org/" << 0
        << u"PROXY p.corp:3128\tPac\t%1\nDIRECT\tPac\t%1\n"_s.arg(
               QUrl::fromLocalFile(pacFile).toString());
    QTest::addRow("QTWS_PAC_URL data:")
        << QStringList {u"QTWS_PAC_URL=data:,function%20FindProxyForURL(u,h)%7Breturn%20%22SOCKS4%20s4:1080%22%7D"_s}
        << "wss://chat.example.org/" << 0 << "SOCKS4 s4:1080\tPac\tdata: URL\n";
    QTest::addRow("QTWS_PAC_URL unreachable: fails closed")
        << QStringList {u"QTWS_PAC_URL=http://127.0.0.1:1/proxy.pac"_s} << "wss://chat.example.org/"
        << 2 << "PacFetchFailed: PAC http://127.0.0.1:1/proxy.pac";
    QTest::addRow("QTWS_PAC_URL throwing script: fails closed")
        << QStringList {u"QTWS_PAC_URL="_s + m_dir.filePath(u"throws.pac"_s)}
        << "wss://chat.example.org/" << 2 << "PacEvaluationFailed";
    QTest::addRow("KDE kioslaverc")
        << QStringList {u"XDG_CURRENT_DESKTOP=KDE"_s,
               u"XDG_CONFIG_HOME="_s + m_dir.filePath(u"kde"_s)}
        << "wss://chat.example.org/" << 0
        << u"PROXY kdes.corp:3129\tDesktop\t%1 [Proxy Settings] httpsProxy\n"_s.arg(
               m_dir.filePath(u"kde/kioslaverc"_s));
    QTest::addRow("KDE NoProxyFor")
        << QStringList {u"XDG_CURRENT_DESKTOP=KDE"_s,
               u"XDG_CONFIG_HOME="_s + m_dir.filePath(u"kde"_s)}
        << "wss://wiki.intranet.example/" << 0
        << u"DIRECT\tDesktop\t%1\n"_s.arg(m_dir.filePath(u"kde/kioslaverc"_s));
    const QString gnomePath
        = u"PATH="_s + m_dir.filePath(u"gnome-bin"_s) + u':' + qEnvironmentVariable("PATH");
    QTest::addRow("GNOME manual, http proxy for ws")
        << QStringList {u"XDG_CURRENT_DESKTOP=ubuntu:GNOME"_s, gnomePath}
        << "ws://chat.example.org/" << 0
        << "PROXY gnome.corp:3128\tDesktop\torg.gnome.system.proxy.http\n";
    QTest::addRow("GNOME manual, socks for wss")
        << QStringList {u"XDG_CURRENT_DESKTOP=GNOME"_s, gnomePath} << "wss://chat.example.org/" << 0
        << "SOCKS5 socks.corp:1080\tDesktop\torg.gnome.system.proxy.socks\n";
    QTest::addRow("GNOME ignore-hosts")
        << QStringList {u"XDG_CURRENT_DESKTOP=GNOME"_s, gnomePath} << "wss://wiki.intranet.example/"
        << 0 << "DIRECT\tDesktop\torg.gnome.system.proxy\n";
    QTest::addRow("environment over GNOME")
        << QStringList {u"XDG_CURRENT_DESKTOP=GNOME"_s, gnomePath, u"all_proxy=http://env:1"_s}
        << "wss://chat.example.org/" << 0 << "PROXY env:1\tEnvironment\tall_proxy\n";
    QTest::addRow("invalid URL") << QStringList {} << "wss://" << 2 << "InvalidUrl";
}

void tst_QtwsPac::resolve()
{
    QFETCH(QStringList, environment);
    QFETCH(QString, url);
    QFETCH(int, exitCode);
    QFETCH(QString, expected);
    const Run r = run({u"--resolve"_s, url}, environment);
    QVERIFY2(r.exitCode == exitCode, qPrintable(r.err));
    if (exitCode == 0)
        QCOMPARE(r.out, expected);
    else
        QVERIFY2(r.err.contains(expected), qPrintable(r.err));
}

void tst_QtwsPac::resolveJsonHidesCredentials()
{
    const Run r = run({u"--resolve"_s, u"wss://chat.example.org/"_s, u"--json"_s},
        {u"https_proxy=http://alice:s3cret@p.corp:3128"_s});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(!r.out.contains(u"s3cret"_s));
    QVERIFY(!r.err.contains(u"s3cret"_s));
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const QJsonArray candidates = o.value(u"candidates"_s).toArray();
    QCOMPARE(candidates.size(), 1);
    const QJsonObject c = candidates.first().toObject();
    QCOMPARE(c.value(u"type"_s).toString(), u"Http"_s);
    QCOMPARE(c.value(u"host"_s).toString(), u"p.corp"_s);
    QCOMPARE(c.value(u"port"_s).toInt(), 3128);
    QCOMPARE(c.value(u"source"_s).toString(), u"Environment"_s);
    QCOMPARE(c.value(u"origin"_s).toString(), u"https_proxy"_s);
    QCOMPARE(c.value(u"credentials"_s).toBool(), true);
    QCOMPARE(o.value(u"directFallback"_s).toBool(), false);
}

void tst_QtwsPac::resolveFromHttpPac()
{
    PacHttpServer server;
    QVERIFY(server.listen());
    server.setScript("/wpad.dat", corpPac);
    const Run r = run({u"--resolve"_s, u"wss://chat.example.org/"_s, u"--json"_s},
        {u"QTWS_PAC_URL="_s + server.url(u"/wpad.dat"_s).toString()});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(server.hits("/wpad.dat"), 1);
    const QJsonArray candidates
        = QJsonDocument::fromJson(r.out.toUtf8()).object().value(u"candidates"_s).toArray();
    QCOMPARE(candidates.size(), 2);
    QCOMPARE(candidates.at(0).toObject().value(u"pac"_s).toString(), u"HTTPS secure.corp:443"_s);
    QCOMPARE(candidates.at(1).toObject().value(u"type"_s).toString(), u"Socks5"_s);
    QCOMPARE(candidates.at(1).toObject().value(u"origin"_s).toString(),
        server.url(u"/wpad.dat"_s).toString());
}

void tst_QtwsPac::evaluate_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expected"); // stdout, or a piece of stderr when failing

    const QString pac = m_dir.filePath(u"corp.pac"_s);
    QTest::addRow("wss") << QStringList {u"-p"_s, pac, u"-u"_s, u"wss://chat.example.org/"_s} << 0
                         << "HTTPS secure.corp:443; SOCKS5 [fd00::1]:1080\n";
    QTest::addRow("http") << QStringList {u"-p"_s, pac, u"-u"_s, u"http://www.example.org/"_s} << 0
                          << "PROXY p.corp:3128; DIRECT\n";
    QTest::addRow("no scheme") << QStringList {u"-p"_s, pac, u"-u"_s, u"www.example.org"_s} << 0
                               << "PROXY p.corp:3128; DIRECT\n";
    QTest::addRow("plain host name")
        << QStringList {u"-p"_s, pac, u"-u"_s, u"http://intranet/"_s} << 0 << "DIRECT\n";
    QTest::addRow("-h overrides the host") << QStringList {u"-p"_s, pac, u"-u"_s,
        u"http://www.example.org/"_s, u"-h"_s, u"wiki.intranet.example"_s}
                                           << 0 << "DIRECT\n";
    QTest::addRow("-c sets myIpAddress") << QStringList {u"-p"_s, pac, u"-u"_s,
        u"http://www.example.org/"_s, u"-c"_s, u"10.20.3.4"_s}
                                         << 0 << "PROXY branch.corp:8080\n";
    QTest::addRow("-c other network") << QStringList {u"-p"_s, pac, u"-u"_s,
        u"http://www.example.org/"_s, u"-c"_s, u"10.21.3.4"_s}
                                      << 0 << "PROXY p.corp:3128; DIRECT\n";
    QTest::addRow("-e accepted") << QStringList {u"-e"_s, u"-p"_s, pac, u"-u"_s,
        u"http://intranet/"_s} << 0
                                 << "DIRECT\n";
    QTest::addRow("syntax error names file")
        << QStringList {u"-p"_s, m_dir.filePath(u"broken.pac"_s), u"-u"_s, u"http://a/"_s} << 2
        << "broken.pac";
    QTest::addRow("exception names file") << QStringList {u"-p"_s, m_dir.filePath(u"throws.pac"_s),
        u"-u"_s, u"http://a/"_s} << 2 << "throws.pac";
    QTest::addRow("missing file") << QStringList {u"-p"_s, m_dir.filePath(u"nope.pac"_s), u"-u"_s,
        u"http://a/"_s} << 2 << "cannot read PAC file";
    QTest::addRow("bad -c") << QStringList {u"-p"_s, pac, u"-u"_s, u"http://a/"_s, u"-c"_s,
        u"nohost"_s} << 1 << "-c needs an IP address";
}

void tst_QtwsPac::evaluate()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, expected);
    const Run r = run(arguments);
    QVERIFY2(r.exitCode == exitCode, qPrintable(r.err));
    if (exitCode == 0)
        QCOMPARE(r.out, expected);
    else
        QVERIFY2(r.err.contains(expected), qPrintable(r.err));
}

void tst_QtwsPac::evaluateUrlList()
{
    const Run r
        = run({u"-p"_s, m_dir.filePath(u"corp.pac"_s), u"-f"_s, m_dir.filePath(u"urls.txt"_s)});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
        u"http://a.example/ : PROXY p.corp:3128; DIRECT\n"
        "wss://b.example/ : HTTPS secure.corp:443; SOCKS5 [fd00::1]:1080\n"
        "http://wiki.intranet.example/ : DIRECT\n"_s);
}

void tst_QtwsPac::pactesterOutput_data()
{
    // Corpus scripts (tests/pac-corpus) that call no DNS helper, so that neither tool asks a
    // resolver, and on which the engines agree. Byte-for-byte the same output as pactester for "-p
    // FILE -f URLFILE".
    QTest::addColumn<QString>("script");
    const char *scripts[] = {"01-always-direct.pac", "02-single-proxy.pac",
        "06-localhostordomainis.pac", "07-domain-levels.pac", "09-socks-mixed.pac",
        "10-https-proxy.pac", "11-scheme-routing.pac", "12-long-failover.pac",
        "13-convert-addr.pac", "16-dnsdomainis-many.pac", "17-shexp-classes.pac",
        "18-plain-hosts.pac", "24-bank.pac", "25-school-filter.pac", "26-hash-load-balance.pac",
        "27-port-based.pac", "32-regex-in-script.pac", "36-mixed-case-keywords.pac"};
    for (const char *script : scripts)
        QTest::addRow("%s", script) << QString::fromLatin1(script);
}

void tst_QtwsPac::pactesterOutput()
{
    QFETCH(QString, script);
    const QString pactester = QStandardPaths::findExecutable(u"pactester"_s);
    if (pactester.isEmpty())
        QSKIP("pactester (pacparser) is not installed");
    const QString corpus = QStringLiteral(QTWS_SOURCE_DIR) + u"/tests/pac-corpus/"_s;
    const QString file = corpus + script;
    if (!QFileInfo::exists(file))
        QSKIP("script not in the corpus");
    const QString urls = corpus + u"urls.txt"_s;

    QProcess reference;
    reference.start(pactester, {u"-p"_s, file, u"-f"_s, urls});
    QVERIFY(reference.waitForFinished(30000));
    QCOMPARE(reference.exitCode(), 0);
    const QString expected = QString::fromUtf8(reference.readAllStandardOutput());
    QVERIFY(!expected.isEmpty());

    const Run r = run({u"-p"_s, file, u"-f"_s, urls});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(r.out, expected);
}

void tst_QtwsPac::usage_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addRow("nothing") << QStringList {};
    QTest::addRow("-p without -u") << QStringList {u"-p"_s, u"x.pac"_s};
    QTest::addRow("-u and -f") << QStringList {
        u"-p"_s, u"x.pac"_s, u"-u"_s, u"a"_s, u"-f"_s, u"b"_s};
    QTest::addRow("--resolve with -p")
        << QStringList {u"--resolve"_s, u"ws://a/"_s, u"-p"_s, u"x.pac"_s};
    QTest::addRow("unknown option") << QStringList {u"--bogus"_s};
    QTest::addRow("positional") << QStringList {u"stray"_s};
}

void tst_QtwsPac::usage()
{
    QFETCH(QStringList, arguments);
    const Run r = run(arguments);
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.isEmpty());
    QVERIFY(r.err.startsWith(u"qtws-pac: "_s) || r.err.startsWith(u"usage: "_s));
}

QTEST_GUILESS_MAIN(tst_QtwsPac)
#include "tst_qtwspac.moc"
