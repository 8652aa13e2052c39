// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_FUZZCOMMON_H
#define QTWS_FUZZCOMMON_H

#include <QtCore/QByteArrayView>

#include <cstdint>
#include <cstdlib>

// Chunk sizes from 1 to 32 bytes, decided by one seed byte of the input, so that every split of a
// stream is reachable and reproducible from the input alone.
class ChunkSizes
{
public:
    explicit ChunkSizes(uint8_t seed)
        : m_state(0x9e3779b9u ^ (uint32_t(seed) * 0x85ebca6bu))
    { }
    qsizetype next()
    {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 17;
        m_state ^= m_state << 5;
        return qsizetype(1 + (m_state % 32));
    }

private:
    uint32_t m_state;
};

// A fuzz-target invariant: abort so that libFuzzer records the input.
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            std::abort();                                                                          \
    } while (false)

#endif // QTWS_FUZZCOMMON_H
