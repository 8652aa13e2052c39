// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// The test cases, numbered like the Autobahn|Testsuite fuzzing server (groups 1-7 and 10 of its RFC 6455 cases).
// Each case drives a CaseContext (see caserun.js): it sends frames, declares which sequences of received events
// earn which verdict (`expect`), how the connection is expected to end (`expectClose`), and arms Autobahn's timers
// (`killAfter`: fail the connection if still open; `closeAfter`: start a normal close; `continueLater`).
//
// `budget` is the longest a correct client can keep a case busy, in seconds; the server hard-stops a case at
// budget + 2 s and a runner may kill a client that outlives it.

const { Opcode, CloseCode, Utf8Validator } = require('./wsproto');

const OK = 'OK';
const NON_STRICT = 'NON-STRICT';
const INFORMATIONAL = 'INFORMATIONAL';
const FAILED = 'FAILED';

const ev = {
    message: (payload, binary = false) => ['message', Buffer.from(payload), binary],
    pong: (payload) => ['pong', Buffer.from(payload)],
    timeout: (tag) => ['timeout', tag],
};

const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const repeat = (byte, n) => Buffer.alloc(n, byte);

const closeNormalClean = { closedByMe: true, codes: [CloseCode.Normal], requireClean: true };
const failProtocol = { closedByMe: false, codes: [CloseCode.ProtocolError], requireClean: false };
const failUtf8 = {
    closedByMe: false,
    codes: [CloseCode.InvalidPayload],
    requireClean: false,
    wrongEndpointFatal: true, // a client that never noticed the bad UTF-8 has not passed, whatever it echoed
};

const cases = [];

function def(id, description, expectation, run, options = {}) {
    cases.push({ id, description, expectation, run, budget: options.budget ?? 3, onLost: options.onLost });
}

// In group 7 a wrong close code is not a mere detail: Autobahn turns WRONG CODE into a failed case there.
function wrongCodeFails(r) {
    if (r.behaviorClose === 'WRONG CODE') {
        r.behavior = FAILED;
        r.result = r.resultClose;
    }
}

function informational(r) {
    r.result = r.behavior === OK ? 'The expected events were observed.' : 'Actual events are undefined by the spec.';
    r.behavior = INFORMATIONAL;
    r.behaviorClose = INFORMATIONAL;
}

// ---------------------------------------------------------------------------------------------------------------
// 1 Framing: text (1.1) and binary (1.2) messages around the 7/16/64-bit length boundaries (RFC 6455 §5.2).

const kFramingSizes = [0, 125, 126, 127, 128, 65535, 65536];
for (const [sub, binary] of [[1, false], [2, true]]) {
    const kind = binary ? 'binary' : 'text';
    const fill = binary ? 0xfe : 0x2a; // 0xfe is never valid UTF-8, '*' always is
    kFramingSizes.forEach((size, i) => {
        def(`1.${sub}.${i + 1}`, `Send ${kind} message with payload of length ${size}.`,
            `Receive echoed ${kind} message (with payload as sent). Clean close with normal code.`, (c) => {
                const payload = repeat(fill, size);
                c.expect(OK, [ev.message(payload, binary)]);
                c.expectClose(closeNormalClean);
                c.sendFrame({ opcode: binary ? Opcode.Binary : Opcode.Text, payload });
                c.killAfter(size > 1000 ? 10 : 1);
            }, { budget: size > 1000 ? 12 : 3 });
    });
    def(`1.${sub}.8`, `Send ${kind} message with payload of length 65536, written in chops of 997 octets.`,
        `Receive echoed ${kind} message (with payload as sent). Clean close with normal code.`, (c) => {
            const payload = repeat(fill, 65536);
            c.expect(OK, [ev.message(payload, binary)]);
            c.expectClose(closeNormalClean);
            c.sendFrame({ opcode: binary ? Opcode.Binary : Opcode.Text, payload, chopsize: 997 });
            c.killAfter(10);
        }, { budget: 12 });
}

// ---------------------------------------------------------------------------------------------------------------
// 2 Pings/Pongs (RFC 6455 §5.5.2, §5.5.3).

function pingCase(id, description, payload, chopsize = 0) {
    def(id, description, 'Pong with the payload echoed back. Clean close with normal code.', (c) => {
        c.expect(OK, [ev.pong(payload)]);
        c.expectClose(closeNormalClean);
        c.sendFrame({ opcode: Opcode.Ping, payload, chopsize });
        c.closeAfter(chopsize ? 2 : 1);
    });
}

pingCase('2.1', 'Send ping without payload.', Buffer.alloc(0));
pingCase('2.2', 'Send ping with small text payload.', Buffer.from('Hello, world!'));
pingCase('2.3', 'Send ping with small binary (non UTF-8) payload.', hex('00ff fefd fcfb 00ff'));
pingCase('2.4', 'Send ping with binary payload of 125 octets.', repeat(0xfe, 125));
def('2.5', 'Send ping with binary payload of 126 octets.',
    'Connection is failed immediately (1002/Protocol Error): control frames carry at most 125 octets.', (c) => {
        c.expect(OK, []);
        c.expectClose(failProtocol);
        c.sendFrame({ opcode: Opcode.Ping, payload: repeat(0xfe, 126) });
        c.killAfter(1);
    });
pingCase('2.6', 'Send ping with binary payload of 125 octets, written in octet-wise chops.', repeat(0xfe, 125), 1);
def('2.7', 'Send unsolicited pong without payload.', 'Nothing in reply. Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendFrame({ opcode: Opcode.Pong });
    c.closeAfter(1);
});
def('2.8', 'Send unsolicited pong with payload.', 'Nothing in reply. Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendFrame({ opcode: Opcode.Pong, payload: 'unsolicited pong payload' });
    c.closeAfter(1);
});
def('2.9', 'Send unsolicited pong with payload, then ping with payload.',
    'Nothing in reply to the pong, a pong echoing the ping payload. Clean close with normal code.', (c) => {
        c.expect(OK, [ev.pong('ping payload')]);
        c.expectClose(closeNormalClean);
        c.sendFrame({ opcode: Opcode.Pong, payload: 'unsolicited pong payload' });
        c.sendFrame({ opcode: Opcode.Ping, payload: 'ping payload' });
        c.closeAfter(1);
    });
for (const [id, chopsize] of [['2.10', 0], ['2.11', 1]]) {
    def(id, `Send 10 pings with payload${chopsize ? ', written in octet-wise chops' : ''}.`,
        'Pongs for all pings, in order, with their payloads (not required by the RFC, checked anyway). Clean close.',
        (c) => {
            const pongs = [];
            for (let i = 0; i < 10; ++i) {
                const payload = `payload-${i}`;
                pongs.push(ev.pong(payload));
                c.sendFrame({ opcode: Opcode.Ping, payload, chopsize });
            }
            c.expect(OK, pongs);
            c.expectClose(closeNormalClean);
            c.closeAfter(3);
        }, { budget: 5 });
}

// ---------------------------------------------------------------------------------------------------------------
// 3 Reserved bits (RFC 6455 §5.2: non-zero RSV without a negotiated extension fails the connection).

def('3.1', 'Send small text message with RSV = 1.', 'The connection is failed immediately (1002).', (c) => {
    c.expect(OK, []);
    c.expectClose(failProtocol);
    c.sendFrame({ opcode: Opcode.Text, payload: 'Hello, world!', rsv: 1 });
    c.killAfter(1);
});
for (const [id, rsv, mode] of [['3.2', 2, ''], ['3.3', 3, 'sync'], ['3.4', 4, 'chop']]) {
    const how = mode === 'sync' ? ' Frames are written one by one.' : mode === 'chop' ? ' Octets are written in octet-wise chops.' : '';
    def(id, `Send small text message, then again with RSV = ${rsv}, then a ping.${how}`,
        'Echo of the first message, then the connection is failed immediately (1002); no pong.', (c) => {
            const payload = 'Hello, world!';
            const opts = { chopsize: mode === 'chop' ? 1 : 0, sync: mode === 'sync' };
            c.expect(OK, [ev.message(payload)]);
            c.expect(NON_STRICT, []);
            c.expectClose(failProtocol);
            c.sendFrame({ opcode: Opcode.Text, payload, ...opts });
            c.sendFrame({ opcode: Opcode.Text, payload, rsv, ...opts });
            c.sendFrame({ opcode: Opcode.Ping, ...opts });
            c.killAfter(1);
        });
}
def('3.5', 'Send small binary message with RSV = 5.', 'The connection is failed immediately (1002).', (c) => {
    c.expect(OK, []);
    c.expectClose(failProtocol);
    c.sendFrame({ opcode: Opcode.Binary, payload: hex('00ff fefd fcfb 00ff'), rsv: 5 });
    c.killAfter(1);
});
def('3.6', 'Send ping with RSV = 6.', 'The connection is failed immediately (1002); no pong.', (c) => {
    c.expect(OK, []);
    c.expectClose(failProtocol);
    c.sendFrame({ opcode: Opcode.Ping, payload: 'Hello, world!', rsv: 6 });
    c.killAfter(1);
});
def('3.7', 'Send close with RSV = 7.', 'The connection is failed immediately (1002).', (c) => {
    c.expect(OK, []);
    c.expectClose(failProtocol);
    c.sendFrame({ opcode: Opcode.Close, rsv: 7 });
    c.killAfter(1);
});

// ---------------------------------------------------------------------------------------------------------------
// 4 Opcodes: reserved non-control (3-7, 4.1) and control (11-15, 4.2) opcodes fail the connection (RFC 6455 §5.2).

for (const [sub, base, kind] of [[1, 3, 'non-control'], [2, 11, 'control']]) {
    const n = (k) => `4.${sub}.${k}`;
    def(n(1), `Send frame with reserved ${kind} opcode = ${base}.`, 'The connection is failed immediately (1002).', (c) => {
        c.expect(OK, []);
        c.expectClose(failProtocol);
        c.sendFrame({ opcode: base });
        c.killAfter(1);
    });
    def(n(2), `Send frame with reserved ${kind} opcode = ${base + 1} and non-empty payload.`,
        'The connection is failed immediately (1002).', (c) => {
            c.expect(OK, []);
            c.expectClose(failProtocol);
            c.sendFrame({ opcode: base + 1, payload: 'reserved opcode payload' });
            c.killAfter(1);
        });
    for (const [k, op, withPayload, chopsize] of [[3, base + 2, false, 0], [4, base + 3, true, 0], [5, base + 4, true, 1]]) {
        const what = `${withPayload ? ' and non-empty payload' : ''}${chopsize ? ', octet-wise chops' : ''}`;
        def(n(k), `Send small text message, then frame with reserved ${kind} opcode = ${op}${what}, then ping.`,
            'Echo of the text message, then the connection is failed immediately (1002); no pong.', (c) => {
                const payload = 'Hello, world!';
                c.expect(OK, [ev.message(payload)]);
                c.expect(NON_STRICT, []);
                c.expectClose(failProtocol);
                c.sendFrame({ opcode: Opcode.Text, payload, chopsize });
                c.sendFrame({ opcode: op, payload: withPayload ? 'reserved opcode payload' : '', chopsize });
                c.sendFrame({ opcode: Opcode.Ping, chopsize });
                c.killAfter(1);
            });
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 5 Fragmentation (RFC 6455 §5.4).

for (const [id, op, name] of [['5.1', Opcode.Ping, 'Ping'], ['5.2', Opcode.Pong, 'Pong']]) {
    def(id, `Send ${name} fragmented into 2 fragments.`,
        'The connection is failed immediately (1002): control frames must not be fragmented.', (c) => {
            c.expect(OK, []);
            c.expectClose(failProtocol);
            c.sendFrame({ opcode: op, fin: false, payload: 'fragment1' });
            c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: 'fragment2' });
            c.killAfter(1);
        });
}
const modeText = { '': '', sync: ' Frames are written one by one.', chop: ' Octets are written in octet-wise chops.' };
const modeOpts = (mode) => ({ chopsize: mode === 'chop' ? 1 : 0, sync: mode === 'sync' });
for (const [id, mode] of [['5.3', ''], ['5.4', 'sync'], ['5.5', 'chop']]) {
    def(id, `Send text message fragmented into 2 fragments.${modeText[mode]}`,
        'The reassembled message is echoed back. Clean close with normal code.', (c) => {
            c.expect(OK, [ev.message('fragment1fragment2')]);
            c.expectClose(closeNormalClean);
            c.sendFrame({ opcode: Opcode.Text, fin: false, payload: 'fragment1', ...modeOpts(mode) });
            c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: 'fragment2', ...modeOpts(mode) });
            c.closeAfter(1);
        });
}
for (const [id, mode] of [['5.6', ''], ['5.7', 'sync'], ['5.8', 'chop']]) {
    def(id, `Send text message fragmented into 2 fragments, one ping with payload in-between.${modeText[mode]}`,
        'A pong, then the reassembled message echoed back. Clean close with normal code.', (c) => {
            c.expect(OK, [ev.pong('ping payload'), ev.message('fragment1fragment2')]);
            c.expectClose(closeNormalClean);
            c.sendFrame({ opcode: Opcode.Text, fin: false, payload: 'fragment1', ...modeOpts(mode) });
            c.sendFrame({ opcode: Opcode.Ping, payload: 'ping payload', ...modeOpts(mode) });
            c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: 'fragment2', ...modeOpts(mode) });
            c.closeAfter(1);
        });
}
for (const [first, fin] of [[9, true], [12, false]]) {
    [['', 0], ['sync', 1], ['chop', 2]].forEach(([mode, k]) => {
        def(`5.${first + k}`,
            `Send unfragmented text message after a continuation frame with FIN = ${fin} where there is nothing to continue.${modeText[mode]}`,
            'The connection is failed immediately (1002): there is no message to continue.', (c) => {
                c.expect(OK, []);
                c.expectClose(failProtocol);
                c.sendFrame({ opcode: Opcode.Continuation, fin, payload: 'non-continuation payload', ...modeOpts(mode) });
                c.sendFrame({ opcode: Opcode.Text, payload: 'Hello, world!', ...modeOpts(mode) });
                c.killAfter(1);
            });
    });
}
def('5.15', 'Send text message in 2 fragments, then a continuation frame with FIN = false where there is nothing to ' +
    'continue, then an unfragmented text message, all in one write.',
    'The first message is echoed, then the connection is failed immediately (1002).', (c) => {
        c.expect(OK, [ev.message('fragment1fragment2')]);
        c.expect(NON_STRICT, []);
        c.expectClose(failProtocol);
        c.sendFrame({ opcode: Opcode.Text, fin: false, payload: 'fragment1' });
        c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: 'fragment2' });
        c.sendFrame({ opcode: Opcode.Continuation, fin: false, payload: 'fragment3' });
        c.sendFrame({ opcode: Opcode.Text, fin: true, payload: 'fragment4' });
        c.killAfter(1);
    });
for (const [id, fin] of [['5.16', false], ['5.17', true]]) {
    def(id, `Repeated 2x: continuation frame with FIN = ${fin} (nothing to continue), then text message in 2 fragments.`,
        'The connection is failed immediately (1002): there is no message to continue.', (c) => {
            c.expect(OK, []);
            c.expectClose(failProtocol);
            for (let i = 0; i < 2; ++i) {
                c.sendFrame({ opcode: Opcode.Continuation, fin, payload: 'fragment1' });
                c.sendFrame({ opcode: Opcode.Text, fin: false, payload: 'fragment2' });
                c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: 'fragment3' });
            }
            c.killAfter(1);
        });
}
def('5.18', 'Send text message in 2 fragments, both with opcode text (the second is not a continuation).',
    'The connection is failed immediately (1002): a new message started inside a fragmented one.', (c) => {
        c.expect(OK, []);
        c.expectClose(failProtocol);
        c.sendFrame({ opcode: Opcode.Text, fin: false, payload: 'fragment1' });
        c.sendFrame({ opcode: Opcode.Text, fin: true, payload: 'fragment2' });
        c.killAfter(1);
    });
for (const [id, sync] of [['5.19', false], ['5.20', true]]) {
    def(id, 'Send a text message in 5 fragments: 2 fragments, a ping, wait 1 s, 2 fragments, a ping, the last fragment.' +
        (sync ? ' Frames are written one by one.' : ''),
        'Both pings are answered at once (before the message is complete); the message is echoed. Clean close.', (c) => {
            const fragments = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
            const pings = ['pongme 1!', 'pongme 2!'];
            c.expect(OK, [ev.pong(pings[0]), ev.pong(pings[1]), ev.message(fragments.join(''))]);
            c.expectClose(closeNormalClean);
            c.sendFrame({ opcode: Opcode.Text, fin: false, payload: fragments[0], sync });
            c.sendFrame({ opcode: Opcode.Continuation, fin: false, payload: fragments[1], sync });
            c.sendFrame({ opcode: Opcode.Ping, payload: pings[0], sync });
            c.continueLater(1, () => {
                c.sendFrame({ opcode: Opcode.Continuation, fin: false, payload: fragments[2], sync });
                c.sendFrame({ opcode: Opcode.Continuation, fin: false, payload: fragments[3], sync });
                c.sendFrame({ opcode: Opcode.Ping, payload: pings[1], sync });
                c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: fragments[4], sync });
                c.closeAfter(1);
            });
        }, { budget: 4 });
}

// ---------------------------------------------------------------------------------------------------------------
// 6 UTF-8 handling (RFC 6455 §8.1, RFC 3629).

def('6.1.1', 'Send text message of length 0.', 'An empty text message is echoed back. Clean close.', (c) => {
    c.expect(OK, [ev.message('')]);
    c.expectClose(closeNormalClean);
    c.sendFrame({ opcode: Opcode.Text, payload: '' });
    c.closeAfter(1);
});
def('6.1.2', 'Send fragmented text message, 3 fragments each of length 0.', 'An empty text message is echoed back.', (c) => {
    c.expect(OK, [ev.message('')]);
    c.expectClose(closeNormalClean);
    c.sendFrame({ opcode: Opcode.Text, fin: false, payload: '' });
    c.sendFrame({ opcode: Opcode.Continuation, fin: false, payload: '' });
    c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: '' });
    c.closeAfter(1);
});
def('6.1.3', 'Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.',
    'The middle fragment payload is echoed back as one message.', (c) => {
        c.expect(OK, [ev.message('middle frame payload')]);
        c.expectClose(closeNormalClean);
        c.sendFrame({ opcode: Opcode.Text, fin: false, payload: '' });
        c.sendFrame({ opcode: Opcode.Continuation, fin: false, payload: 'middle frame payload' });
        c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: '' });
        c.closeAfter(1);
    });

const kHelloUtf8 = Buffer.from('Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!', 'utf8');
const kKosme = hex('ceba e1bdb9 cf83 cebc ceb5'); // "κόσμε", the example of Markus Kuhn's UTF-8 test file
def('6.2.1', 'Send a valid UTF-8 text message in one fragment.', 'The message is echoed back.', (c) => {
    c.expect(OK, [ev.message(kHelloUtf8)]);
    c.expectClose(closeNormalClean);
    c.sendMessage(kHelloUtf8);
    c.closeAfter(1);
});
def('6.2.2', 'Send a valid UTF-8 text message in two fragments, split on a code point boundary.',
    'The message is echoed back.', (c) => {
        const p1 = Buffer.from('Hello-\u00b5@\u00df\u00f6\u00e4', 'utf8');
        const p2 = Buffer.from('\u00fc\u00e0\u00e1-UTF-8!!', 'utf8');
        c.expect(OK, [ev.message(Buffer.concat([p1, p2]))]);
        c.expectClose(closeNormalClean);
        c.sendFrame({ opcode: Opcode.Text, fin: false, payload: p1 });
        c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: p2 });
        c.closeAfter(1);
    });
for (const [id, payload] of [['6.2.3', kHelloUtf8], ['6.2.4', kKosme]]) {
    def(id, 'Send a valid UTF-8 text message in fragments of 1 octet, so frames end inside code points.',
        'The message is echoed back.', (c) => {
            c.expect(OK, [ev.message(payload)]);
            c.expectClose(closeNormalClean);
            c.sendMessage(payload, { fragSize: 1 });
            c.closeAfter(1);
        });
}
const kInvalidSurrogate = Buffer.concat([kKosme, hex('eda080'), Buffer.from('edited')]);
def('6.3.1', 'Send invalid UTF-8 text message (an encoded surrogate) unfragmented.',
    'The connection is failed immediately (1007).', (c) => {
        c.expect(OK, []);
        c.expectClose(failUtf8);
        c.sendMessage(kInvalidSurrogate);
        c.killAfter(1);
    });
def('6.3.2', 'Send invalid UTF-8 text message (an encoded surrogate) in fragments of 1 octet.',
    'The connection is failed immediately (1007).', (c) => {
        c.expect(OK, []);
        c.expectClose(failUtf8);
        c.sendMessage(kInvalidSurrogate, { fragSize: 1 });
        c.killAfter(1);
    });

// 6.4: fail fast. The text is valid up to a point, then a part arrives that makes it invalid (F4 90 80 80 would be
// U+110000). A client should fail when that part arrives (OK); failing only once the message is complete is NON-STRICT.
const kFailFast = Buffer.concat([kKosme, hex('f4908080'), Buffer.from('edited')]);
function failFastCase(id, description, parts, asChops) {
    def(id, description,
        'The first part is accepted (timeout A), the second is rejected at once (1007). Rejecting only after the ' +
        'third part is non-strict.', (c) => {
            c.expect(OK, [ev.timeout('A')]);
            c.expect(NON_STRICT, [ev.timeout('A'), ev.timeout('B')]);
            c.expectClose(failUtf8);
            const send = (i) => {
                if (asChops)
                    c.sendRaw(parts[i]);
                else
                    c.sendFrame({ opcode: i === 0 ? Opcode.Text : Opcode.Continuation, fin: i === 2, payload: parts[i] });
            };
            if (asChops)
                c.sendRaw(c.frameHeader({ opcode: Opcode.Text, length: kFailFast.length }));
            send(0);
            c.continueLater(1, () => {
                if (c.state !== 'OPEN')
                    return;
                c.mark(ev.timeout('A'));
                send(1);
                c.continueLater(1, () => {
                    if (c.state !== 'OPEN')
                        return;
                    c.mark(ev.timeout('B'));
                    send(2);
                    c.killAfter(1);
                });
            });
        }, { budget: 5 });
}
const kPartsByCodePoint = [kKosme, hex('f4908080'), Buffer.from('edited')];
const kPartsByOctet = [kFailFast.subarray(0, 12), kFailFast.subarray(12, 13), kFailFast.subarray(13)];
failFastCase('6.4.1', 'Send invalid UTF-8 text message in 3 frames: valid, the invalid code point, the rest; 1 s ' +
    'pauses in between.', kPartsByCodePoint, false);
failFastCase('6.4.2', 'Send invalid UTF-8 text message in 3 frames, the second being exactly the octet that makes ' +
    'it invalid; 1 s pauses in between.', kPartsByOctet, false);
failFastCase('6.4.3', 'Same as 6.4.1, but as 3 chops of one frame.', kPartsByCodePoint, true);
failFastCase('6.4.4', 'Same as 6.4.2, but as 3 chops of one frame.', kPartsByOctet, true);

// 6.5 - 6.23: Markus Kuhn's UTF-8 decoder stress test sequences, each sent as one text message.
function utf8Sequences() {
    const groups = [];
    const g = (title, items) => groups.push([title, items]);
    const valid = (h) => [true, hex(h)];
    const invalid = (h) => [false, hex(h)];
    g('Some valid UTF-8 sequences', [
        [true, Buffer.from('hello$world')], valid('68656c6c6fc2a2776f726c64'), valid('68656c6c6fe282ac776f726c64'),
        valid('68656c6c6ff0a4ada2776f726c64'), [true, kKosme]]);
    const prefixes = [];
    for (let i = 1; i <= kKosme.length; ++i) {
        const v = new Utf8Validator();
        const ok = v.feed(kKosme.subarray(0, i)) && v.complete;
        prefixes.push([ok, kKosme.subarray(0, i)]);
    }
    g('All prefixes of a valid UTF-8 string that contains multi-byte code points', prefixes);
    g('First possible sequence of a certain length', [valid('00'), valid('c280'), valid('e0a080'), valid('f0908080')]);
    g('First possible sequence length 5/6 (invalid code points)', [invalid('f888808080'), invalid('fc8480808080')]);
    g('Last possible sequence of a certain length', [valid('7f'), valid('dfbf'), valid('efbfbf'), valid('f48fbfbf')]);
    g('Last possible sequence length 4/5/6 (invalid code points)',
        [invalid('f7bfbfbf'), invalid('fbbfbfbfbf'), invalid('fdbfbfbfbfbf')]);
    g('Other boundary conditions',
        [valid('ed9fbf'), valid('ee8080'), valid('efbfbd'), valid('f48fbfbf'), invalid('f4908080')]);
    const range = (from, to, sep) => {
        const out = [];
        for (let b = from; b < to; ++b) {
            out.push(b);
            if (sep !== undefined)
                out.push(sep);
        }
        return Buffer.from(out);
    };
    g('Unexpected continuation bytes', [invalid('80'), invalid('bf'), invalid('80bf'), invalid('80bf80'),
        invalid('80bf80bf'), invalid('80bf80bf80'), invalid('80bf80bf80bf'), [false, range(0x80, 0xbf)]]);
    g('Lonely start characters',
        [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]].map(([a, b]) => [false, range(a, b, 0x20)]));
    const truncated = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];
    g('Sequences with last continuation byte missing', truncated.map(invalid));
    g('Concatenation of incomplete sequences', [invalid(truncated.join(''))]);
    g('Impossible bytes', [invalid('fe'), invalid('ff'), invalid('fefeffff')]);
    g('Examples of an overlong ASCII character',
        ['c0af', 'e080af', 'f08080af', 'f8808080af', 'fc80808080af'].map(invalid));
    g('Maximum overlong sequences', ['c1bf', 'e09fbf', 'f08fbfbf', 'f887bfbfbf', 'fc83bfbfbfbf'].map(invalid));
    g('Overlong representation of the NUL character', ['c080', 'e08080', 'f0808080', 'f880808080', 'fc8080808080'].map(invalid));
    g('Single UTF-16 surrogates', ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map(invalid));
    g('Paired UTF-16 surrogates', ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080',
        'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'].map(invalid));
    // Non-characters are valid UTF-8 (RFC 3629 only excludes surrogates and values above U+10FFFF).
    const nonChars = [valid('efbfbe'), valid('efbfbf')];
    for (const z1 of ['f0', 'f1', 'f2', 'f3', 'f4']) {
        for (const z2 of ['8f', '9f', 'af', 'bf']) {
            if (z1 === 'f4' && z2 !== '8f')
                continue; // above U+10FFFF
            for (const z3 of ['be', 'bf']) {
                const s = z1 + z2 + 'bf' + z3;
                if (s !== 'f08fbfbe' && s !== 'f08fbfbf') // overlong
                    nonChars.push(valid(s));
            }
        }
    }
    g('Non-character code points (valid UTF-8)', nonChars);
    g('Unicode specials (i.e. replacement char)', ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map(valid));
    return groups;
}

const subCategories = {};
utf8Sequences().forEach(([title, items], gi) => {
    const sub = gi + 5;
    subCategories[`6.${sub}`] = title;
    items.forEach(([isValid, payload], ii) => {
        const id = `6.${sub}.${ii + 1}`;
        const desc = `Send a text message with payload which is ${isValid ? 'valid' : 'not valid'} UTF-8 in one ` +
            `fragment. Payload: 0x${payload.toString('hex')}`;
        def(id, desc, isValid ? 'The message is echoed back.' : 'The connection is failed immediately (1007).', (c) => {
            if (isValid) {
                c.expect(OK, [ev.message(payload)]);
                c.expectClose(closeNormalClean);
            } else {
                c.expect(OK, []);
                c.expectClose(failUtf8);
            }
            c.sendMessage(payload);
            c.killAfter(0.5);
        });
    });
});

// ---------------------------------------------------------------------------------------------------------------
// 7 Close handling (RFC 6455 §5.5.1, §7).

const closeCase = (id, description, expectation, run, options = {}) =>
    def(id, description, expectation, (c) => {
        c.suppressClose = true;
        run(c);
    }, { onLost: wrongCodeFails, ...options });

def('7.1.1', 'Send a message followed by a close frame.', 'The message is echoed, then a clean close with normal code.', (c) => {
    c.expect(OK, [ev.message('Hello World!')]);
    c.expectClose(closeNormalClean);
    c.sendFrame({ opcode: Opcode.Text, payload: 'Hello World!' });
    c.sendClose(CloseCode.Normal);
    c.killAfter(1);
}, { onLost: wrongCodeFails });
closeCase('7.1.2', 'Send two close frames.', 'Clean close with normal code; the second close frame is ignored.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose(CloseCode.Normal);
    c.sendFrame({ opcode: Opcode.Close });
    c.killAfter(1);
});
closeCase('7.1.3', 'Send a ping after the close frame.', 'Clean close with normal code; no pong.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose(CloseCode.Normal);
    c.sendFrame({ opcode: Opcode.Ping });
    c.killAfter(1);
});
closeCase('7.1.4', 'Send a text message after the close frame.', 'Clean close with normal code; no echo.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose(CloseCode.Normal);
    c.sendFrame({ opcode: Opcode.Text, payload: 'Hello World!' });
    c.killAfter(1);
});
closeCase('7.1.5', 'Send message fragment 1, then a close frame, then fragment 2.', 'Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendFrame({ opcode: Opcode.Text, fin: false, payload: 'fragment1' });
    c.sendClose(CloseCode.Normal);
    c.sendFrame({ opcode: Opcode.Continuation, fin: true, payload: 'fragment2' });
    c.killAfter(1);
});
def('7.1.6', 'Send a 256 KiB message, then a small message, a close frame and a ping, back to back.',
    'Implementation-defined: the small message may or may not be echoed before the close handshake.', (c) => {
        c.suppressClose = true;
        c.expect(OK, [ev.message('Hello World!')]);
        c.expect(NON_STRICT, []);
        c.expectClose(closeNormalClean);
        c.sendFrame({ opcode: Opcode.Text, payload: 'BAsd7&jh23', payloadLen: 256 * 1024 });
        c.sendFrame({ opcode: Opcode.Text, payload: 'Hello World!' });
        c.sendClose(CloseCode.Normal);
        c.sendFrame({ opcode: Opcode.Ping });
        c.killAfter(1);
    }, { onLost: informational, budget: 4 });

const closeBody = (code, reason) => {
    const r = Buffer.from(reason);
    const b = Buffer.alloc(2 + r.length);
    b.writeUInt16BE(code, 0);
    r.copy(b, 2);
    return b;
};
const failProtocolByMe = { closedByMe: true, codes: [CloseCode.ProtocolError], requireClean: false };
closeCase('7.3.1', 'Send a close frame with payload length 0 (no close code, no reason).', 'Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose({ payload: Buffer.alloc(0) });
    c.killAfter(1);
});
closeCase('7.3.2', 'Send a close frame with payload length 1.', 'Clean close with protocol error (1002) or dropped TCP.', (c) => {
    c.expect(OK, []);
    c.expectClose(failProtocolByMe);
    c.sendClose({ payload: Buffer.from('a') });
    c.killAfter(1);
});
closeCase('7.3.3', 'Send a close frame with payload length 2 (code 1000, no reason).', 'Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose({ payload: closeBody(1000, '') });
    c.killAfter(1);
});
closeCase('7.3.4', 'Send a close frame with code 1000 and a short reason.', 'Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose({ payload: closeBody(1000, 'Hello World!') });
    c.killAfter(1);
});
closeCase('7.3.5', 'Send a close frame with code 1000 and a 123-octet reason (the maximum).', 'Clean close with normal code.', (c) => {
    c.expect(OK, []);
    c.expectClose(closeNormalClean);
    c.sendClose({ payload: closeBody(1000, '*'.repeat(123)) });
    c.killAfter(1);
});
closeCase('7.3.6', 'Send a close frame with code 1000 and a 124-octet reason (payload 126 octets, too long).',
    'Clean close with protocol error (1002) or dropped TCP.', (c) => {
        c.expect(OK, []);
        c.expectClose(failProtocolByMe);
        c.sendClose({ payload: closeBody(1000, '*'.repeat(124)) });
        c.killAfter(1);
    });
closeCase('7.5.1', 'Send a close frame with code 1000 and a reason that is not valid UTF-8.',
    'Clean close with protocol error (1002) or invalid payload (1007), or dropped TCP.', (c) => {
        c.expect(OK, []);
        c.expectClose({ closedByMe: true, codes: [CloseCode.ProtocolError, CloseCode.InvalidPayload], requireClean: false });
        c.sendClose({ payload: Buffer.concat([closeBody(1000, ''), kInvalidSurrogate]) });
        c.killAfter(1);
    });
[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].forEach((code, i) => {
    closeCase(`7.7.${i + 1}`, `Send close with valid close code ${code}.`, 'Clean close with normal or echoed code.', (c) => {
        c.expect(OK, []);
        c.expectClose({ closedByMe: true, codes: [CloseCode.Normal, code], requireClean: true });
        c.sendClose({ payload: closeBody(code, '') });
        c.killAfter(1);
    });
});
[0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999].forEach((code, i) => {
    closeCase(`7.9.${i + 1}`, `Send close with invalid close code ${code}.`, 'Clean close with protocol error code (1002) or dropped TCP.', (c) => {
        c.expect(OK, []);
        c.expectClose(failProtocolByMe);
        c.sendClose({ payload: closeBody(code, '') });
        c.killAfter(1);
    });
});
[[1, 5000], [2, 65535]].forEach(([k, code]) => {
    def(`7.13.${k}`, `Send close with close code ${code}.`, 'Actual events are undefined by the spec.', (c) => {
        c.suppressClose = true;
        c.expect(OK, []);
        c.expectClose({ closedByMe: true, codes: [CloseCode.Normal, code, CloseCode.ProtocolError], requireClean: false });
        c.sendClose({ payload: closeBody(code, '') });
        c.killAfter(1);
    }, { onLost: informational });
});

// ---------------------------------------------------------------------------------------------------------------
// 10 Misc: auto-fragmentation.

def('10.1.1', 'Send text message with payload of length 65536, fragmented into frames of 1300 octets.',
    'The message is echoed back (the client may frame it any way). Clean close with normal code.', (c) => {
        const payload = repeat(0x2a, 65536);
        c.expect(OK, [ev.message(payload)]);
        c.expectClose(closeNormalClean);
        c.sendMessage(payload, { fragSize: 1300 });
        c.killAfter(10);
    }, { budget: 12 });

// Autobahn orders cases by their numeric id tuple.
const idTuple = (id) => id.split('.').map(Number);
function compareIds(a, b) {
    const x = idTuple(a);
    const y = idTuple(b);
    for (let i = 0; i < Math.max(x.length, y.length); ++i) {
        const d = (x[i] ?? -1) - (y[i] ?? -1);
        if (d)
            return d;
    }
    return 0;
}
cases.sort((a, b) => compareIds(a.id, b.id));

const categories = {
    1: 'Framing', 2: 'Pings/Pongs', 3: 'Reserved Bits', 4: 'Opcodes', 5: 'Fragmentation', 6: 'UTF-8 Handling',
    7: 'Close Handling', 10: 'Misc',
};

module.exports = { cases, categories, subCategories, compareIds, OK, NON_STRICT, INFORMATIONAL, FAILED };
