// SPDX-License-Identifier: LGPL-3.0-or-later
// What FindProxyForURL returned: parsePacResult(). Byte 0 picks how the rest becomes the string: UTF-8, or raw
// UTF-16 code units (a JavaScript string may hold lone surrogates). Every non-blank entry is either a candidate or
// a warning, never both and never DIRECT unless it said DIRECT; what parses prints back (toPacString()) and parses
// again to the same candidates.
#include "fuzzcommon.h"

#include "proxy/pac/pacresult.h"

using namespace QtWs;

namespace {

QString inputString(const uint8_t *data, size_t size)
{
    if (data[0] & 1)
        return QString(reinterpret_cast<const QChar *>(data + 1), qsizetype((size - 1) / 2));
    return QString::fromUtf8(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QString input = inputString(data, size);
    const QString origin = QStringLiteral("http://wpad.example/wpad.dat");
    QStringList warnings;
    const QList<ProxyCandidate> candidates
        = parsePacResult(input, ProxyCandidate::Source::Wpad, origin, &warnings);

    const qsizetype entries = input.count(u';') + 1;
    FUZZ_CHECK(candidates.size() + warnings.size() <= entries);
    FUZZ_CHECK(parsePacResult(input, ProxyCandidate::Source::Wpad, origin, nullptr) == candidates);
    qsizetype directs = 0;
    QStringList printed;
    for (const ProxyCandidate &c : candidates) {
        FUZZ_CHECK(c.source() == ProxyCandidate::Source::Wpad && c.origin() == origin);
        FUZZ_CHECK(!c.hasCredentials());
        if (c.isDirect()) {
            FUZZ_CHECK(c.host().isEmpty() && c.port() == 0);
            ++directs;
        } else {
            FUZZ_CHECK(!c.host().isEmpty() && c.port() != 0);
            FUZZ_CHECK(!c.host().contains(u';') && !c.host().contains(u' '));
        }
        printed.append(c.toPacString());
    }
    // DIRECT appears only where the script wrote it.
    FUZZ_CHECK(directs <= input.count(QStringLiteral("direct"), Qt::CaseInsensitive));
    for (const QString &w : warnings)
        FUZZ_CHECK(w.startsWith(QStringLiteral("skipped PAC entry")));

    QStringList again;
    const QList<ProxyCandidate> reparsed = parsePacResult(
        printed.join(QStringLiteral("; ")), ProxyCandidate::Source::Wpad, origin, &again);
    FUZZ_CHECK(again.isEmpty());
    FUZZ_CHECK(reparsed == candidates);
    return 0;
}
