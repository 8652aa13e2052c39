// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-bench-pac [--script FILE] [--iterations N] [--qtws-only]
// Evaluations per second of a realistic corporate PAC script: qtws synchronous (one request at a
// time, as a tool does), qtws pipelined (many requests queued, as a busy resolver sees them) and
// pacparser's C API (pacparser_find_proxy), on the same URLs. No DNS: the URLs are IP literals or
// names the script decides on before resolving.
#include "proxy/pac/pacengine.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>

#include <algorithm>
#include <cstdio>

#ifdef QTWS_HAVE_PACPARSER
#include <pacparser.h>
#endif

using namespace QtWs;

namespace {

const char kClientIp[] = "10.1.2.3";

const char *const kUrls[] = {
    "http://intranet/home",
    "http://wiki.corp.example/page?id=42",
    "http://10.2.3.4/status",
    "http://192.168.7.8/printer",
    "http://93.184.216.34/index.html",
    "http://203.0.113.9/api/v1/items?limit=50",
    "ftp://198.51.100.7/pub/file.tgz",
    "http://172.20.1.1/",
    "http://8.8.8.8/",
    "http://build.dev.corp.example:8080/job/x",
};

double rate(qint64 count, qint64 nsecs)
{
    return nsecs > 0 ? count * 1e9 / double(nsecs) : 0.0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("PAC evaluations per second: qtws vs pacparser"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("script"),
        QStringLiteral("PAC script (default: tests/bench/pac-bench/corporate.pac)"),
        QStringLiteral("file"),
        QStringLiteral(QTWS_SOURCE_DIR "/tests/bench/pac-bench/corporate.pac")});
    parser.addOption({QStringLiteral("iterations"), QStringLiteral("evaluations per measurement"),
        QStringLiteral("n"), QStringLiteral("20000")});
    parser.addOption(
        {QStringLiteral("qtws-only"), QStringLiteral("skip pacparser (for profiling)")});
    parser.process(app);

    QFile file(parser.value(QStringLiteral("script")));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(file.fileName()));
        return 2;
    }
    const QByteArray script = file.readAll();
    const int n = parser.value(QStringLiteral("iterations")).toInt();
    constexpr int urlCount = int(sizeof(kUrls) / sizeof(kUrls[0]));
    QList<QUrl> urls;
    for (const char *u : kUrls)
        urls.append(QUrl(QString::fromLatin1(u)));

    PacEngine engine;
    PacEnvironment env;
    env.localAddresses
        = [] { return QList<QHostAddress> {QHostAddress(QString::fromLatin1(kClientIp))}; };
    env.resolveHost
        = [](const QString &, std::chrono::milliseconds) { return QList<QHostAddress>(); };
    engine.setEnvironment(env);
    engine.setScript(QString::fromUtf8(script), file.fileName());
    for (int i = 0; i < 200; ++i) { // load and warm up (the JIT compiles hot functions)
        const PacResult r = engine.findProxyForUrlSync(urls.at(i % urlCount));
        if (!r.isValid()) {
            std::fprintf(stderr, "qtws: %s\n", qPrintable(r.errorString));
            return 1;
        }
    }

#ifdef QTWS_HAVE_PACPARSER
    const bool withPacparser = !parser.isSet(QStringLiteral("qtws-only"));
    QList<QByteArray> urlBytes;
    QList<QByteArray> hostBytes;
    for (const QUrl &u : urls) {
        urlBytes.append(u.toEncoded());
        hostBytes.append(u.host().toUtf8());
    }
    if (withPacparser) {
        pacparser_init();
        pacparser_setmyip(kClientIp);
        if (!pacparser_parse_pac_string(script.constData())) {
            std::fprintf(stderr, "pacparser cannot parse the script\n");
            return 1;
        }
        for (int i = 0; i < urlCount; ++i) {
            const QString ours = engine.findProxyForUrlSync(urls.at(i)).raw;
            const char *theirs
                = pacparser_find_proxy(urlBytes.at(i).constData(), hostBytes.at(i).constData());
            if (ours != QString::fromUtf8(theirs ? theirs : ""))
                std::fprintf(stderr,
                    "warning: answers differ for %s: qtws \"%s\", pacparser \"%s\"\n", kUrls[i],
                    qPrintable(ours), theirs ? theirs : "(error)");
        }
    }
#endif

    // The three measurements are interleaved in rounds so that a busy machine slows them alike.
    constexpr int rounds = 10;
    const int perRound = std::max(1, n / rounds);
    qint64 syncNs = 0;
    qint64 pipelinedNs = 0;
    qint64 pacparserNs = 0;
    QElapsedTimer timer;
    for (int round = 0; round < rounds; ++round) {
        timer.start();
        for (int i = 0; i < perRound; ++i)
            engine.findProxyForUrlSync(urls.at(i % urlCount));
        syncNs += timer.nsecsElapsed();

        QEventLoop loop;
        int done = 0;
        timer.start();
        for (int i = 0; i < perRound; ++i) {
            engine.findProxyForUrl(urls.at(i % urlCount), &app, [&](const PacResult &) {
                if (++done == perRound)
                    loop.quit();
            });
        }
        loop.exec();
        pipelinedNs += timer.nsecsElapsed();

#ifdef QTWS_HAVE_PACPARSER
        if (withPacparser) {
            timer.start();
            for (int i = 0; i < perRound; ++i)
                pacparser_find_proxy(
                    urlBytes.at(i % urlCount).constData(), hostBytes.at(i % urlCount).constData());
            pacparserNs += timer.nsecsElapsed();
        }
#endif
    }
    const qint64 total = qint64(perRound) * rounds;
    const double qtwsSync = rate(total, syncNs);
    const double qtwsPipelined = rate(total, pipelinedNs);
    std::printf("PAC evaluations/s (%s, %lld evaluations each, %d URLs, %d interleaved rounds)\n",
        qPrintable(file.fileName()), total, urlCount, rounds);
    std::printf("  qtws sync       %10.0f  (%.1f us per evaluation)\n", qtwsSync, 1e6 / qtwsSync);
    std::printf("  qtws pipelined  %10.0f\n", qtwsPipelined);
#ifdef QTWS_HAVE_PACPARSER
    if (withPacparser) {
        const double pacparser = rate(total, pacparserNs);
        pacparser_cleanup();
        std::printf(
            "  pacparser       %10.0f  (%.1f us per evaluation)\n", pacparser, 1e6 / pacparser);
        std::printf("  ratio sync %.2fx, pipelined %.2fx (goal >= 5x)\n", qtwsSync / pacparser,
            qtwsPipelined / pacparser);
    }
#endif
    return 0;
}
