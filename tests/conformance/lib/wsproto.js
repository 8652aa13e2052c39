// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// RFC 6455 building blocks for the fuzzing server: a frame encoder that can produce any byte sequence a test case
// needs (reserved bits, reserved opcodes, oversized control frames, split writes), an incremental frame parser for
// what the client sends back, an incremental UTF-8 validator and close-code rules. Written for this test suite; no
// I/O here.

const crypto = require('node:crypto');

const Opcode = Object.freeze({
    Continuation: 0x0,
    Text: 0x1,
    Binary: 0x2,
    Close: 0x8,
    Ping: 0x9,
    Pong: 0xa,
});

const CloseCode = Object.freeze({
    Normal: 1000,
    GoingAway: 1001,
    ProtocolError: 1002,
    InvalidPayload: 1007,
    MessageTooBig: 1009,
});

// RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key.
const kHandshakeGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
// RFC 6455 §5.5: control frames carry at most 125 payload bytes.
const kMaxControlPayload = 125;
// The largest message the fuzzer accepts back from a client (the biggest case sends 256 KiB).
const kMaxMessageBytes = 16 * 1024 * 1024;

function acceptKey(key) {
    return crypto.createHash('sha1').update(key + kHandshakeGuid).digest('base64');
}

function toBuffer(payload) {
    if (payload === undefined || payload === null)
        return Buffer.alloc(0);
    if (Buffer.isBuffer(payload))
        return payload;
    return Buffer.from(payload, 'utf8');
}

/**
 * Encodes one server-to-client frame (never masked, RFC 6455 §5.1). Every field is taken literally so that test
 * cases can build invalid frames: any 4-bit opcode, any RSV combination, control frames of any length, FIN unset on
 * control frames. The length uses the minimal encoding (RFC 6455 §5.2).
 */
function encodeFrame({ opcode, payload, fin = true, rsv = 0 }) {
    const body = toBuffer(payload);
    const len = body.length;
    let header;
    if (len <= 125) {
        header = Buffer.alloc(2);
        header[1] = len;
    } else if (len <= 0xffff) {
        header = Buffer.alloc(4);
        header[1] = 126;
        header.writeUInt16BE(len, 2);
    } else {
        header = Buffer.alloc(10);
        header[1] = 127;
        header.writeBigUInt64BE(BigInt(len), 2);
    }
    header[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf);
    return Buffer.concat([header, body]);
}

/** The header alone for a frame whose payload is written later in pieces (cases 6.4.3 and 6.4.4). */
function encodeFrameHeader({ opcode, length, fin = true, rsv = 0 }) {
    const full = encodeFrame({ opcode, payload: Buffer.alloc(length), fin, rsv });
    return full.subarray(0, full.length - length);
}

/**
 * Incremental UTF-8 validator (RFC 3629 §4 well-formed sequences): rejects overlong forms, surrogates, code points
 * above U+10FFFF and stray continuation bytes at the first offending byte, so a caller can tell "invalid" apart from
 * "valid so far but incomplete".
 */
class Utf8Validator {
    constructor() {
        this.reset();
    }

    reset() {
        this.need = 0;
        this.lo = 0x80;
        this.hi = 0xbf;
        this.failed = false;
    }

    /** Feeds bytes; returns false as soon as the sequence can no longer become valid. */
    feed(bytes) {
        if (this.failed)
            return false;
        for (const b of bytes) {
            if (this.need === 0) {
                if (b < 0x80)
                    continue;
                if (b >= 0xc2 && b <= 0xdf) {
                    this.need = 1;
                } else if (b === 0xe0) {
                    this.need = 2;
                    this.lo = 0xa0;
                } else if (b === 0xed) {
                    this.need = 2;
                    this.hi = 0x9f; // U+D800..U+DFFF are surrogates
                } else if (b >= 0xe1 && b <= 0xef) {
                    this.need = 2;
                } else if (b === 0xf0) {
                    this.need = 3;
                    this.lo = 0x90;
                } else if (b >= 0xf1 && b <= 0xf3) {
                    this.need = 3;
                } else if (b === 0xf4) {
                    this.need = 3;
                    this.hi = 0x8f; // nothing above U+10FFFF
                } else {
                    this.failed = true;
                    return false;
                }
            } else {
                if (b < this.lo || b > this.hi) {
                    this.failed = true;
                    return false;
                }
                this.need -= 1;
                this.lo = 0x80;
                this.hi = 0xbf;
            }
        }
        return true;
    }

    /** True when everything fed so far is valid and no sequence is left open. */
    get complete() {
        return !this.failed && this.need === 0;
    }
}

function isValidUtf8(bytes) {
    const v = new Utf8Validator();
    return v.feed(bytes) && v.complete;
}

/**
 * Close codes an endpoint may receive (RFC 6455 §7.4.1 and §7.4.2 plus the IANA registry: 1012-1014 were registered
 * later). 1004-1006 and 1015 must never appear on the wire; 0-999 and 1016-2999 are not in use.
 */
function isValidCloseCode(code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

class ProtocolError extends Error {
    constructor(closeCode, message) {
        super(message);
        this.closeCode = closeCode;
    }
}

/**
 * Incremental parser for client-to-server frames. push() returns the complete frames found so far (payload
 * unmasked) and keeps partial data; it throws ProtocolError for a length beyond kMaxMessageBytes. Semantic checks
 * (mask bit, RSV, opcodes, fragmentation) are done by the caller so that it can report them per RFC section.
 */
class FrameParser {
    constructor() {
        this.buffer = Buffer.alloc(0);
    }

    push(chunk) {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        const frames = [];
        for (;;) {
            const b = this.buffer;
            if (b.length < 2)
                break;
            const fin = (b[0] & 0x80) !== 0;
            const rsv = (b[0] >> 4) & 0x7;
            const opcode = b[0] & 0xf;
            const masked = (b[1] & 0x80) !== 0;
            let len = b[1] & 0x7f;
            let offset = 2;
            if (len === 126) {
                if (b.length < 4)
                    break;
                len = b.readUInt16BE(2);
                offset = 4;
            } else if (len === 127) {
                if (b.length < 10)
                    break;
                const big = b.readBigUInt64BE(2);
                if (big > BigInt(kMaxMessageBytes))
                    throw new ProtocolError(CloseCode.MessageTooBig, `frame length ${big} exceeds ${kMaxMessageBytes}`);
                len = Number(big);
                offset = 10;
            }
            const maskOffset = offset;
            if (masked)
                offset += 4;
            if (b.length < offset + len)
                break;
            const payload = Buffer.from(b.subarray(offset, offset + len));
            if (masked) {
                for (let i = 0; i < payload.length; ++i)
                    payload[i] ^= b[maskOffset + (i & 3)];
            }
            frames.push({ fin, rsv, opcode, masked, payload });
            this.buffer = b.subarray(offset + len);
        }
        return frames;
    }
}

module.exports = {
    Opcode,
    CloseCode,
    kMaxControlPayload,
    kMaxMessageBytes,
    acceptKey,
    toBuffer,
    encodeFrame,
    encodeFrameHeader,
    Utf8Validator,
    isValidUtf8,
    isValidCloseCode,
    ProtocolError,
    FrameParser,
};
