// SPDX-License-Identifier: LGPL-3.0-or-later
// A stock engine.io-client (pinned in tests/peers) talking to qtws-relay.
//   node eio-client.js URL PATH MODE BACKEND [PINGS] [TOKEN]
// MODE: polling | upgrade | websocket. BACKEND: echo-tcp (bytes come back as binary) | echo-ws (types kept).
// Sends text, binary, non-ASCII and a large message one at a time, checks each echo, optionally waits for
// PINGS server pings, then closes. Exit 0 and "OK ..." on success; a message and exit 1 otherwise.
'use strict';
const { Socket } = require('engine.io-client');

const [url, path, mode, backend, pingsArg, token] = process.argv.slice(2);
const wantPings = Number(pingsArg || 0);
const opts = { path, transports: mode === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    upgrade: mode === 'upgrade', rememberUpgrade: false };
if (mode === 'polling') opts.transports = ['polling'];
if (token) opts.query = { token };

const big = Buffer.alloc(100000);
for (let i = 0; i < big.length; ++i) big[i] = (i * 7) & 0xff;
const messages = [
    { send: 'hello relay', text: true },
    { send: Buffer.from([0, 1, 2, 3, 254, 255]), text: false },
    { send: 'h\u00e9llo \u2713 \u{1F600}', text: true },
    { send: big, text: false },
];

const fail = (msg) => { console.log('FAIL ' + msg); process.exit(1); };
setTimeout(() => fail('timeout'), 45000).unref();

const socket = new Socket(url, opts);
let index = 0;
let acc = Buffer.alloc(0);
let pings = 0;
let upgraded = false;
const transports = new Set();

function sendNext() {
    if (index === messages.length) {
        if (pings >= wantPings) return finish();
        return; // wait for pings
    }
    acc = Buffer.alloc(0);
    socket.send(messages[index].send);
}

function finish() {
    if (mode === 'upgrade' && !upgraded) return fail('never upgraded');
    socket.on('close', (reason) => {
        console.log(`OK messages=${messages.length} pings=${pings} transports=${[...transports].join(',')} close=${reason}`);
        // No process.exit(): the close packet's POST is still in flight; node exits once it is done.
        process.exitCode = 0;
    });
    socket.close();
}

socket.on('open', () => {
    transports.add(socket.transport.name);
    if (mode !== 'upgrade') sendNext();
});
socket.on('upgrade', (t) => {
    upgraded = true;
    transports.add(t.name);
    sendNext();
});
socket.on('ping', () => {
    ++pings;
    if (index === messages.length && pings >= wantPings) finish();
});
socket.on('message', (data) => {
    const expected = messages[index];
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (backend === 'echo-ws') {
        if ((typeof data === 'string') !== expected.text)
            return fail(`message ${index}: type changed (got ${typeof data})`);
        const want = typeof expected.send === 'string' ? Buffer.from(expected.send, 'utf8') : expected.send;
        if (!bytes.equals(want)) return fail(`message ${index}: payload differs`);
        ++index;
        return sendNext();
    }
    // A raw TCP backend returns a byte stream: collect until the whole message came back.
    acc = Buffer.concat([acc, bytes]);
    const want = typeof expected.send === 'string' ? Buffer.from(expected.send, 'utf8') : expected.send;
    if (acc.length < want.length) return;
    if (!acc.equals(want)) return fail(`message ${index}: echo differs (${acc.length} bytes)`);
    ++index;
    sendNext();
});
socket.on('error', (e) => fail('error ' + (e && e.message ? e.message : e)));
socket.on('close', (reason, desc) => {
    if (index < messages.length || pings < wantPings)
        fail(`closed early: ${reason} ${desc && desc.message ? desc.message : ''}`);
});
