// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// Unit tests of the fuzzer's own RFC 6455 codec (node:test). The fuzzer judges clients with these pieces, so a bug
// here would silently change verdicts.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { isUtf8 } = require('node:buffer');
const {
    encodeFrame, encodeFrameHeader, FrameParser, Utf8Validator, isValidUtf8, isValidCloseCode, acceptKey, ProtocolError,
} = require('../lib/wsproto');
const { cases } = require('../lib/cases');

function maskedClientFrame(opcode, payload, { fin = true, rsv = 0 } = {}) {
    const plain = encodeFrame({ opcode, payload, fin, rsv });
    const headerLen = plain.length - payload.length;
    const key = crypto.randomBytes(4);
    const out = Buffer.alloc(plain.length + 4);
    plain.copy(out, 0, 0, headerLen);
    out[1] |= 0x80;
    key.copy(out, headerLen);
    for (let i = 0; i < payload.length; ++i)
        out[headerLen + 4 + i] = payload[i] ^ key[i & 3];
    return out;
}

test('accept key of RFC 6455 §1.3 example', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('frame header uses the minimal length encoding at 125/126/65535/65536', () => {
    for (const [len, headerLen, marker] of [[0, 2, 0], [125, 2, 125], [126, 4, 126], [65535, 4, 126], [65536, 10, 127]]) {
        const f = encodeFrame({ opcode: 2, payload: Buffer.alloc(len) });
        assert.equal(f.length, headerLen + len, `length ${len}`);
        assert.equal(f[1], marker, `length marker for ${len}`);
        assert.equal(f[0], 0x82);
        assert.deepEqual(encodeFrameHeader({ opcode: 2, length: len }), f.subarray(0, headerLen));
    }
});

test('encoder writes RSV, FIN and any 4-bit opcode literally', () => {
    assert.equal(encodeFrame({ opcode: 0xb, payload: '', fin: false, rsv: 7 })[0], 0x7b);
    assert.equal(encodeFrame({ opcode: 0x1, payload: '', rsv: 1 })[0], 0x91);
});

test('parser reassembles masked frames fed one byte at a time', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('hello'), crypto.randomBytes(300), crypto.randomBytes(70000)];
    const wire = Buffer.concat(payloads.map((p) => maskedClientFrame(2, p)));
    const parser = new FrameParser();
    const frames = [];
    for (let i = 0; i < wire.length; i += 1 + (i % 7))
        frames.push(...parser.push(wire.subarray(i, i + 1 + (i % 7))));
    assert.equal(frames.length, payloads.length);
    frames.forEach((f, i) => {
        assert.ok(f.masked && f.fin && f.opcode === 2 && f.rsv === 0);
        assert.deepEqual(f.payload, payloads[i]);
    });
});

test('parser rejects a 64-bit length beyond the message limit before buffering', () => {
    const header = Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert.throws(() => new FrameParser().push(header), (e) => e instanceof ProtocolError && e.closeCode === 1009);
});

test('UTF-8 validator agrees with node on every code point and on random byte soup', () => {
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 7) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        assert.ok(isValidUtf8(Buffer.from(String.fromCodePoint(cp))), `U+${cp.toString(16)}`);
    }
    const interesting = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef,
        0xf0, 0xf3, 0xf4, 0xf5, 0xff];
    for (let i = 0; i < 50000; ++i) {
        const n = 1 + (i % 6);
        const b = Buffer.from(Array.from({ length: n }, () => interesting[crypto.randomInt(interesting.length)]));
        assert.equal(isValidUtf8(b), isUtf8(b), b.toString('hex'));
    }
});

test('UTF-8 validator fails at the first impossible byte and tells incomplete from invalid', () => {
    const v = new Utf8Validator();
    assert.ok(v.feed(Buffer.from('cebae1bdb9cf83cebcceb5f4', 'hex')));
    assert.equal(v.complete, false); // valid so far, F4 is waiting for continuation bytes
    assert.equal(v.feed(Buffer.from([0x90])), false); // F4 90 would be above U+10FFFF
    const w = new Utf8Validator();
    assert.ok(w.feed(Buffer.from([0xed])));
    assert.equal(w.feed(Buffer.from([0xa0])), false); // surrogate
});

test('close codes of RFC 6455 §7.4', () => {
    for (const c of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])
        assert.ok(isValidCloseCode(c), String(c));
    for (const c of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
        assert.ok(!isValidCloseCode(c), String(c));
});

test('case table: Autobahn numbering, unique ids, sorted, expected group sizes', () => {
    const ids = cases.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    const groups = {};
    for (const id of ids)
        groups[id.split('.')[0]] = (groups[id.split('.')[0]] || 0) + 1;
    assert.deepEqual(groups, { 1: 16, 2: 11, 3: 7, 4: 10, 5: 20, 6: 145, 7: 37, 10: 1 });
    assert.equal(ids[0], '1.1.1');
    assert.equal(ids[ids.length - 1], '10.1.1');
    assert.ok(ids.indexOf('6.4.4') < ids.indexOf('6.5.1') && ids.indexOf('6.9.1') < ids.indexOf('6.10.1'));
    for (const c of cases)
        assert.ok(c.budget > 0 && c.description && c.expectation, c.id);
});
