// SPDX-License-Identifier: LGPL-3.0-or-later
#include "utf8.h"

#include <array>
#include <cstring>

namespace QtWs::Protocol {

namespace {

// A DFA over byte classes, derived from the well-formed byte sequences table of RFC 3629 §4
// (Unicode Table 3-7). Byte classes:
enum : quint8 {
    C_Ascii, // 00..7F
    C_Cont80, // 80..8F
    C_Cont90, // 90..9F
    C_ContA0, // A0..BF
    C_Bad, // C0 C1 F5..FF: never valid
    C_Lead2, // C2..DF
    C_E0, // E0: next A0..BF (no overlongs)
    C_Lead3, // E1..EC EE EF
    C_ED, // ED: next 80..9F (no surrogates)
    C_F0, // F0: next 90..BF (no overlongs)
    C_Lead4, // F1..F3
    C_F4, // F4: next 80..8F (<= U+10FFFF)
    ClassCount
};
// States. 0 = accept, 1 = invalid (sticky), the others wait for continuation bytes.
enum : quint8 {
    S_Accept,
    S_Invalid,
    S_Need1, // one continuation 80..BF
    S_Need2, // two continuations
    S_E0, // A0..BF then one
    S_ED, // 80..9F then one
    S_Need3, // three continuations
    S_F0, // 90..BF then two
    S_F4, // 80..8F then two
    StateCount
};

constexpr std::array<quint8, 256> makeClasses()
{
    std::array<quint8, 256> c {};
    for (int b = 0; b < 256; ++b) {
        quint8 k = C_Bad;
        if (b < 0x80)
            k = C_Ascii;
        else if (b < 0x90)
            k = C_Cont80;
        else if (b < 0xA0)
            k = C_Cont90;
        else if (b < 0xC0)
            k = C_ContA0;
        else if (b < 0xC2)
            k = C_Bad;
        else if (b < 0xE0)
            k = C_Lead2;
        else if (b == 0xE0)
            k = C_E0;
        else if (b == 0xED)
            k = C_ED;
        else if (b < 0xF0)
            k = C_Lead3;
        else if (b == 0xF0)
            k = C_F0;
        else if (b < 0xF4)
            k = C_Lead4;
        else if (b == 0xF4)
            k = C_F4;
        c[b] = k;
    }
    return c;
}

constexpr std::array<quint8, StateCount * ClassCount> makeTransitions()
{
    std::array<quint8, StateCount * ClassCount> t {};
    for (auto &x : t)
        x = S_Invalid;
    const auto set = [&t](int s, int k, quint8 to) { t[s * ClassCount + k] = to; };
    set(S_Accept, C_Ascii, S_Accept);
    set(S_Accept, C_Lead2, S_Need1);
    set(S_Accept, C_E0, S_E0);
    set(S_Accept, C_Lead3, S_Need2);
    set(S_Accept, C_ED, S_ED);
    set(S_Accept, C_F0, S_F0);
    set(S_Accept, C_Lead4, S_Need3);
    set(S_Accept, C_F4, S_F4);
    for (int k : {C_Cont80, C_Cont90, C_ContA0}) {
        set(S_Need1, k, S_Accept);
        set(S_Need2, k, S_Need1);
        set(S_Need3, k, S_Need2);
    }
    set(S_E0, C_ContA0, S_Need1);
    set(S_ED, C_Cont80, S_Need1);
    set(S_ED, C_Cont90, S_Need1);
    set(S_F0, C_Cont90, S_Need2);
    set(S_F0, C_ContA0, S_Need2);
    set(S_F4, C_Cont80, S_Need2);
    return t;
}

constexpr auto Classes = makeClasses();
constexpr auto Transitions = makeTransitions();

constexpr quint64 HighBits = 0x8080808080808080ull;

} // namespace

bool Utf8Validator::feed(QByteArrayView data) noexcept
{
    if (m_state == S_Invalid)
        return false;
    const auto *p = reinterpret_cast<const uchar *>(data.data());
    const qsizetype n = data.size();
    qsizetype i = 0;
    quint8 state = m_state;
    while (i < n) {
        if (state == S_Accept) {
            // ASCII fast path: 16 bytes per iteration while no byte has its high bit set.
            while (n - i >= 16) {
                quint64 a, b;
                std::memcpy(&a, p + i, 8);
                std::memcpy(&b, p + i + 8, 8);
                if ((a | b) & HighBits)
                    break;
                i += 16;
            }
            // Whole sequences that lie inside this buffer are checked directly (RFC 3629 §4 table),
            // which avoids a table lookup per byte; anything else (invalid, or cut by the buffer
            // end) falls through to the DFA below, which also finds the exact error offset.
            int asciiRun = 0;
            while (i < n) {
                const uchar c = p[i];
                if (c < 0x80) {
                    ++i;
                    // A long ASCII run again: back to the 16-byte path (via one DFA step below).
                    if (++asciiRun == 16)
                        break;
                    continue;
                }
                asciiRun = 0;
                if (c >= 0xC2 && c <= 0xDF) {
                    if (n - i >= 2 && (p[i + 1] & 0xC0) == 0x80) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                if (c >= 0xE0 && c <= 0xEF) {
                    if (n - i < 3)
                        break;
                    const uchar lo = c == 0xE0 ? 0xA0 : 0x80;
                    const uchar hi = c == 0xED ? 0x9F : 0xBF;
                    if (p[i + 1] < lo || p[i + 1] > hi || (p[i + 2] & 0xC0) != 0x80)
                        break;
                    i += 3;
                    continue;
                }
                if (c >= 0xF0 && c <= 0xF4) {
                    if (n - i < 4)
                        break;
                    const uchar lo = c == 0xF0 ? 0x90 : 0x80;
                    const uchar hi = c == 0xF4 ? 0x8F : 0xBF;
                    if (p[i + 1] < lo || p[i + 1] > hi || (p[i + 2] & 0xC0) != 0x80
                        || (p[i + 3] & 0xC0) != 0x80)
                        break;
                    i += 4;
                    continue;
                }
                break;
            }
            if (i == n)
                break;
        }
        state = Transitions[state * ClassCount + Classes[p[i]]];
        if (state == S_Invalid) {
            m_state = S_Invalid;
            m_errorOffset = m_offset + i;
            m_offset += i;
            return false;
        }
        ++i;
    }
    m_state = state;
    m_offset += n;
    return true;
}

bool Utf8Validator::isValidUtf8(QByteArrayView data) noexcept
{
    Utf8Validator v;
    return v.feed(data) && v.isComplete();
}

qsizetype utf8BoundaryPrefix(QByteArrayView utf8, qsizetype maxBytes) noexcept
{
    if (utf8.size() <= maxBytes)
        return utf8.size();
    if (maxBytes <= 0)
        return 0;
    qsizetype cut = maxBytes;
    // Back up over continuation bytes: the byte at 'cut' must start a character.
    while (cut > 0 && (uchar(utf8[cut]) & 0xC0) == 0x80)
        --cut;
    return cut;
}

} // namespace QtWs::Protocol
