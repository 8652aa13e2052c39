// SPDX-License-Identifier: LGPL-3.0-or-later
// permessage-deflate inflater against hostile compressed data (capped at 64 KiB) and a
// deflate/inflate round trip of the same bytes. First byte: window bits (8 + low 3 bits),
// no-context-takeover (bit 3); second byte: chunk sizes; the rest is split into messages at each
// 0xFF 0x00 pair.
#include "fuzzcommon.h"
#include "inflatermessages.h"

#include <cstring>

#include "protocol/deflate.h"

using namespace QtWs::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const int bits = 8 + (data[0] & 7);
    const bool nct = data[0] & 8;
    ChunkSizes chunks(data[1]);
    const QByteArrayView input(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));
    constexpr qint64 Cap = 64 * 1024;

    FUZZ_CHECK(inflateMessages(input, bits, nct, Cap, [&chunks] { return chunks.next(); }) <= Cap);

    // Round trip: whatever we compress, a fresh inflater with the same parameters restores.
    Deflater deflater(bits, nct);
    Inflater check(bits, nct);
    for (int round = 0; round < 2; ++round) {
        QByteArray compressed;
        FUZZ_CHECK(deflater.compress(input, compressed));
        QByteArray out;
        FUZZ_CHECK(check.inflate(compressed, out, input.size()) == Inflater::Status::Ok);
        FUZZ_CHECK(check.finishMessage(out, input.size()) == Inflater::Status::Ok);
        FUZZ_CHECK(out.size() == input.size()
            && (input.isEmpty()
                || memcmp(out.constData(), input.data(), size_t(input.size())) == 0));
    }
    return 0;
}
