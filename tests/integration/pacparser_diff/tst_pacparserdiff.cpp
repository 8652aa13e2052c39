// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxy/pac/pacengine.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtTest/QtTest>

using namespace QtWs;

namespace {

// pactester -c and qtws's myIpAddress() see the same client address.
const QString kClientIp = QStringLiteral("10.20.30.40");
const QString kError = QStringLiteral("<error>");

QString corpusDir()
{
    return QStringLiteral(QTWS_SOURCE_DIR "/tests/pac-corpus");
}

QString readText(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QString();
    return QString::fromUtf8(f.readAll());
}

// EXCEPTIONS: "script<TAB>url or *<TAB>why pacparser is wrong"; '#' starts a comment. "*" stands
// for every URL of the script.
QHash<QString, QString> readExceptions()
{
    QHash<QString, QString> out;
    const QStringList lines = readText(corpusDir() + QStringLiteral("/EXCEPTIONS")).split(u'\n');
    for (const QString &line : lines) {
        if (line.trimmed().isEmpty() || line.startsWith(u'#'))
            continue;
        const QStringList parts = line.split(u'\t');
        if (parts.size() >= 3)
            out.insert(parts.at(0) + u'\t' + parts.at(1), parts.mid(2).join(u'\t'));
    }
    return out;
}

} // namespace

class tst_PacparserDiff : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void compare_data();
    void compare();
    void cleanupTestCase();

private:
    QString m_pactester;
    QStringList m_urls;
    QHash<QString, QString> m_exceptions;
    int m_pairs = 0;
    int m_agreements = 0;
    int m_documented = 0;
    int m_scripts = 0;
};

void tst_PacparserDiff::initTestCase()
{
    m_pactester = QStandardPaths::findExecutable(QStringLiteral("pactester"));
    if (m_pactester.isEmpty())
        QSKIP("pactester (Debian package libpacparser1) is not installed");
    m_urls = readText(corpusDir() + QStringLiteral("/urls.txt")).split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(m_urls.size() >= 30);
    m_exceptions = readExceptions();
}

void tst_PacparserDiff::compare_data()
{
    QTest::addColumn<QString>("script");
    const QStringList scripts
        = QDir(corpusDir()).entryList({QStringLiteral("*.pac")}, QDir::Files, QDir::Name);
    QVERIFY(scripts.size() >= 30);
    for (const QString &s : scripts)
        QTest::addRow("%s", qPrintable(s)) << s;
}

void tst_PacparserDiff::compare()
{
    QFETCH(QString, script);
    const QString path = corpusDir() + u'/' + script;
    const QString source = readText(path);
    // A script that resolves every host names a list of literal-only URLs ("// urls: FILE"), so
    // that pactester, which resolves with the system resolver, never sends a DNS query.
    QString urlFile = corpusDir() + QStringLiteral("/urls.txt");
    const QRegularExpressionMatch m = QRegularExpression(
        QStringLiteral("^// urls: (\\S+)"), QRegularExpression::MultilineOption)
                                          .match(source);
    if (m.hasMatch())
        urlFile = corpusDir() + u'/' + m.captured(1);
    const QStringList urls = readText(urlFile).split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(!urls.isEmpty());
    // "script<TAB>*" documents every disagreement of that script; they are still counted.
    const bool wholeScript = m_exceptions.contains(script + QStringLiteral("\t*"));
    ++m_scripts;

    // pacparser: one process per script, every URL from the list (-f). DNS: only literals and names
    // in /etc/hosts (localhost) resolve; the corpus uses the reserved .example TLD for everything
    // else.
    QProcess pactester;
    pactester.start(m_pactester,
        {QStringLiteral("-p"), path, QStringLiteral("-f"), urlFile, QStringLiteral("-c"),
            kClientIp});
    QVERIFY(pactester.waitForFinished(60000));
    const QStringList lines = QString::fromUtf8(pactester.readAllStandardOutput()).split(u'\n');
    QHash<QString, QString> theirs;
    for (const QString &line : lines) {
        for (const QString &url : urls) {
            const QString prefix = url + QStringLiteral(" : ");
            if (line.startsWith(prefix))
                theirs.insert(url, line.mid(prefix.size()));
        }
    }

    PacEngine engine;
    PacEnvironment env;
    env.stripSecurePathAndQuery = false; // pactester hands the URL over verbatim
    env.evaluationTimeout = std::chrono::milliseconds(
        5000); // no corpus script loops; a loaded machine must not cause Timeouts
    env.localAddresses = [] { return QList<QHostAddress> {QHostAddress(kClientIp)}; };
    env.resolveHost = [](const QString &host, std::chrono::milliseconds) {
        return host == QStringLiteral("localhost")
            ? QList<QHostAddress> {QHostAddress(QHostAddress::LocalHost)}
            : QList<QHostAddress> {};
    };
    engine.setEnvironment(env);
    engine.setScript(source, script);

    QStringList failures;
    for (const QString &url : urls) {
        QCOMPARE(PacEngine::scriptUrl(QUrl(url), env), url); // both sides see the same string
        const PacResult r = engine.findProxyForUrlSync(QUrl(url));
        const bool scriptError = r.error != PacError::None && r.error != PacError::EmptyResult
            && r.error != PacError::UnparsableResult;
        const QString ours = scriptError ? kError : r.raw;
        const QString their = theirs.value(url, kError);
        ++m_pairs;
        if (ours == their) {
            ++m_agreements;
            if (m_exceptions.contains(script + u'\t' + url))
                qWarning("stale exception: %s %s now agrees", qPrintable(script), qPrintable(url));
            continue;
        }
        if (wholeScript || m_exceptions.contains(script + u'\t' + url)) {
            ++m_documented;
            continue;
        }
        failures.append(QStringLiteral("%1 %2\n    qtws:      %3\n    pacparser: %4")
                            .arg(script, url, ours.isEmpty() ? QStringLiteral("\"\"") : ours,
                                their.isEmpty() ? QStringLiteral("\"\"") : their));
    }
    QVERIFY2(failures.isEmpty(), qPrintable(u'\n' + failures.join(u'\n')));
}

void tst_PacparserDiff::cleanupTestCase()
{
    qInfo("differential: %d scripts compared, %d (script, URL) pairs, %d agree, %d documented "
          "disagreements",
        m_scripts, m_pairs, m_agreements, m_documented);
}

QTEST_MAIN(tst_PacparserDiff)
#include "tst_pacparserdiff.moc"
