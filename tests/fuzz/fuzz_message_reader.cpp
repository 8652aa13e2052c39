// SPDX-License-Identifier: LGPL-3.0-or-later
// Frame decoder + message layer: options from the first byte, chunk sizes (1-32) from the second,
// then the byte stream as a peer would send it.
#include "fuzzcommon.h"

#include <cstring>

#include "protocol/message.h"

using namespace QtWs::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t flags = data[0];
    ChunkSizes chunks(data[1]);
    MessageReader::Options options;
    options.role = (flags & 0x01) ? Role::Server : Role::Client;
    options.deflate = flags & 0x02;
    options.frameEvents = flags & 0x04;
    if (flags & 0x08) {
        options.maxFrameSize = 1000;
        options.maxMessageSize = 4000;
    } else {
        options.maxFrameSize = 1 << 20;
        options.maxMessageSize = 1 << 20;
    }
    const bool direct = flags & 0x10;
    options.decodeText = data[1] & 0x80;
    const int bits = 8 + ((flags >> 5) & 7);
    options.deflateParameters.clientMaxWindowBits = bits;
    options.deflateParameters.serverMaxWindowBits = bits;
    options.deflateParameters.clientNoContextTakeover = bits & 1;
    options.deflateParameters.serverNoContextTakeover = bits & 1;
    MessageReader reader(options);

    const QByteArrayView stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));
    qsizetype pos = 0;
    bool sawTerminal = false;
    const auto check = [&](MessageEvent e) {
        FUZZ_CHECK(!sawTerminal); // nothing after Close or Error
        switch (e.type) {
        case MessageEvent::Type::TextMessage:
            if (options.decodeText) {
                FUZZ_CHECK(e.payload.isEmpty());
                FUZZ_CHECK(Utf8Validator::isValidUtf8(e.text.toUtf8()));
                break;
            }
            FUZZ_CHECK(Utf8Validator::isValidUtf8(e.payload));
            [[fallthrough]];
        case MessageEvent::Type::BinaryMessage:
            FUZZ_CHECK(e.payload.size() <= options.maxMessageSize);
            if (direct)
                reader.recycle(std::move(e.payload)); // exercise buffer reuse
            break;
        case MessageEvent::Type::Ping:
        case MessageEvent::Type::Pong:
            FUZZ_CHECK(e.payload.size() <= MaxControlPayload);
            break;
        case MessageEvent::Type::Close:
            FUZZ_CHECK(e.closeCode == 1005 || isValidCloseCode(e.closeCode));
            sawTerminal = true;
            break;
        case MessageEvent::Type::Error:
            FUZZ_CHECK(e.error != ProtocolError::NoError);
            FUZZ_CHECK(e.closeCode == 1002 || e.closeCode == 1007 || e.closeCode == 1009);
            sawTerminal = true;
            break;
        case MessageEvent::Type::TextFrame:
        case MessageEvent::Type::BinaryFrame:
            FUZZ_CHECK(options.frameEvents);
            break;
        case MessageEvent::Type::None:
            FUZZ_CHECK(false);
        }
    };
    while (pos < stream.size()) {
        const qsizetype n = qMin(chunks.next(), stream.size() - pos);
        if (direct) {
            const auto buffer = reader.directBuffer();
            if (buffer.size > 0) {
                const qsizetype m = qMin(n, buffer.size);
                memcpy(buffer.data, stream.data() + pos, size_t(m));
                const auto r = reader.commitDirect(m);
                FUZZ_CHECK(r.consumed == m);
                pos += m;
                if (r.eventReady)
                    check(reader.takeEvent());
                for (;;) {
                    const auto p = reader.feed({});
                    if (!p.eventReady)
                        break;
                    check(reader.takeEvent());
                }
                continue;
            }
        }
        QByteArrayView piece = stream.sliced(pos, n);
        for (;;) {
            const auto r = reader.feed(piece);
            FUZZ_CHECK(r.consumed >= 0 && r.consumed <= piece.size());
            piece = piece.sliced(r.consumed);
            if (!r.eventReady) {
                FUZZ_CHECK(piece.isEmpty());
                break;
            }
            check(reader.takeEvent());
        }
        pos += n;
    }
    return 0;
}
