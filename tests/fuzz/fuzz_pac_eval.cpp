// SPDX-License-Identifier: LGPL-3.0-or-later
// PAC evaluation in the sandbox that qtws-pac-helper runs (PacSandbox with its watchdog, in this process so that
// libFuzzer sees its coverage): the first line of the input is the URL, the rest the script (UTF-8).
// The environment is fixed and offline (a clock, names under .example resolve to 192.0.2.x, nothing else does)
// and the evaluation timeout is 50 ms, so that scripts that loop cost a fuzzing run little: the target checks that
// every evaluation answers (libFuzzer's -timeout catches one that does not), that an answer is a list of
// candidates parsed from what the script returned, and that a failure is typed, named and has no candidates.
#include "fuzzcommon.h"

#include "proxy/pac/pacengine.h"
#include "proxy/pac/pacsandbox.h"
#include "proxy/pac/pacwatchdog.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

#include <memory>

using namespace QtWs;

namespace {

PacEnvironment fuzzEnvironment()
{
    PacEnvironment env;
    env.clock = [] { return QDateTime(QDate(2026, 1, 5), QTime(12, 0), Qt::UTC); };
    env.resolveHost = [](const QString &host, std::chrono::milliseconds) {
        QList<QHostAddress> addresses;
        if (host.endsWith(QStringLiteral(".example")))
            addresses.append(QHostAddress(QStringLiteral("192.0.2.%1").arg(qHash(host) % 250 + 1)));
        return addresses;
    };
    env.localAddresses = [] {
        return QList<QHostAddress> {QHostAddress(QStringLiteral("192.0.2.10")),
            QHostAddress(QStringLiteral("2001:db8::10"))};
    };
    env.evaluationTimeout = std::chrono::milliseconds(50);
    env.dnsTimeout = std::chrono::milliseconds(10);
    env.dnsBudget = std::chrono::milliseconds(20);
    return env;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static QCoreApplication app(*argc, *argv);
    // The engine logs every failure; a fuzzing run makes millions.
    QLoggingCategory::setFilterRules(QStringLiteral("qtws.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A script that ignores the interrupt is the helper process's to kill (tst_pacengine tests that); here
    // libFuzzer's -timeout reports it.
    static PacWatchdog watchdog([] { }, std::chrono::milliseconds(1000));
    static const PacEnvironment environment = fuzzEnvironment();
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype newline = input.indexOf('\n');
    const QByteArray urlText = newline < 0 ? input : input.left(newline);
    const QString script = newline < 0 ? QString() : QString::fromUtf8(input.mid(newline + 1));
    const QUrl url = QUrl::fromEncoded(urlText);

    const QString name = QStringLiteral("fuzz.pac");
    PacSandbox sandbox(environment, &watchdog, name, ProxyCandidate::Source::Pac);
    PacResult result = sandbox.load(script);
    if (result.isValid())
        result = sandbox.evaluate(url.toString(), url.host());

    FUZZ_CHECK(result.error != PacError::NoScript && result.error != PacError::EngineUnavailable);
    if (result.isValid()) {
        FUZZ_CHECK(!result.candidates.isEmpty());
        FUZZ_CHECK(result.candidates == parsePacResult(result.raw, ProxyCandidate::Source::Pac, name,
                       nullptr));
    } else {
        FUZZ_CHECK(result.candidates.isEmpty());
        FUZZ_CHECK(result.errorString.contains(pacErrorName(result.error)));
    }
    return 0;
}
