// SPDX-License-Identifier: LGPL-3.0-or-later
// The relay's Engine.IO v4 input: polling payloads (POST bodies), WebSocket-transport frames, and
// the JSON of open and close packets. The first byte picks the decoder; whatever decodes must
// encode again and decode to the same packets (the relay re-encodes what it forwards).
#include "fuzzcommon.h"

#include "protocol/engineio.h"

using namespace QtWs::EngineIo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    constexpr qsizetype MaxPayload = 16384;
    constexpr qsizetype MaxPackets = 64;
    switch (data[0] % 4) {
    case 0: {
        const DecodeResult r = decodePayload(input, MaxPayload, MaxPackets);
        if (!r.isValid()) {
            FUZZ_CHECK(r.packets.isEmpty() || r.error != Error::None);
            FUZZ_CHECK(!errorString(r.error).isEmpty());
            return 0;
        }
        FUZZ_CHECK(input.size() <= MaxPayload && r.packets.size() <= MaxPackets);
        const DecodeResult again
            = decodePayload(encodePayload(r.packets), MaxPayload * 2, MaxPackets);
        FUZZ_CHECK(again.isValid() && again.packets == r.packets);
        break;
    }
    case 1: {
        const bool binaryFrame = data[0] & 4;
        const DecodeResult r = decodeWebSocketFrame(input, binaryFrame);
        if (!r.isValid())
            return 0;
        FUZZ_CHECK(r.packets.size() == 1);
        bool binary = false;
        const QByteArray frame = encodeWebSocketPacket(r.packets.front(), &binary);
        const DecodeResult again = decodeWebSocketFrame(frame, binary);
        FUZZ_CHECK(again.isValid() && again.packets == r.packets);
        break;
    }
    case 2: {
        const auto open = OpenPayload::fromJson(input);
        if (open) {
            const auto again = OpenPayload::fromJson(open->toJson());
            FUZZ_CHECK(again && *again == *open);
        }
        break;
    }
    case 3: {
        const auto close = CloseInfo::fromJson(input);
        if (close) {
            const auto again = CloseInfo::fromJson(close->toJson());
            FUZZ_CHECK(again && *again == *close);
        }
        break;
    }
    }
    return 0;
}
