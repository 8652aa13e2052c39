// SPDX-License-Identifier: LGPL-3.0-or-later
// Many concurrent sessions through qtws-relay in front of an echo backend that keeps message types and
// boundaries (a ws:// backend): node `ws` clients and engine.io-client pollers (both pinned in tests/peers).
//
//   node load-client.js --host H --port P --path /r [--sessions 500] [--polling 0.5] [--slow 0.1]
//        [--messages 40] [--duration S] [--report S] [--barrier]
//
// Every session sends numbered messages ("<session>:<n>:" + padding, text or binary by turn) with at most
// WINDOW unanswered, and checks that each echo is the next one it expects, with the type it was sent with:
// a lost, duplicated, reordered or altered message ends the run with "FAIL ..." and exit 1.
// Slow consumers: a slow WebSocket session sends a burst and stops reading its socket for a while (the relay
// has to queue and push back); a slow poller waits before each poll.
// --messages N: each session sends N messages and closes; the run ends when every session closed cleanly.
// --duration S: sessions send until S seconds passed; a session that sent --messages messages closes and is
//   replaced by a new one of its kind (session churn); then every session closes.
// --barrier: print "ALLOPEN <n>" once every session is open and wait for a line on stdin before sending.
// --report S: print "RATE t=<s> delivered=<n> rate=<msg/s> open=<n>" every S seconds.
// The end: "OK sessions=<n> delivered=<n> ws=<n> polling=<n> slow=<n>".
'use strict';
const WebSocket = require('ws');
const { Socket } = require('engine.io-client');

const args = { host: '127.0.0.1', port: 0, path: '/', sessions: 500, polling: 0.5, slow: 0.1, messages: 40,
    duration: 0, report: 0, barrier: false };
for (let i = 2; i < process.argv.length; ++i) {
    const key = process.argv[i].replace(/^--/, '');
    if (key === 'barrier') { args.barrier = true; continue; }
    const value = process.argv[++i];
    args[key] = typeof args[key] === 'number' ? Number(value) : value;
}

const WINDOW = 4;
const SLOW_BURST = 48; // messages a slow WebSocket session sends before it stops reading
const SLOW_PAUSE_MS = 1500;
const SLOW_POLL_DELAY_MS = 200;
const prefix = args.path === '/' ? '' : args.path;

let delivered = 0;
let intervalDelivered = 0;
let openCount = 0;
let everOpened = 0;
let closedClean = 0;
let finishing = false;
const kinds = { ws: 0, polling: 0, slow: 0 };
const started = Date.now();
const live = new Set();

function fail(message) {
    console.log('FAIL ' + message);
    process.exit(1);
}

// Deterministic padding so that the echo can be compared byte for byte.
function payload(id, n) {
    const head = `${id}:${n}:`;
    const size = 16 + ((id * 131 + n * 17) % 1500);
    return head + 'x'.repeat(Math.max(0, size - head.length));
}

class Session {
    constructor(id, polling, slow) {
        this.id = id;
        this.polling = polling;
        this.slow = slow;
        this.sent = 0;
        this.received = 0;
        this.open = false;
        this.closing = false;
        kinds[polling ? 'polling' : 'ws']++;
        if (slow) kinds.slow++;
        live.add(this);
        polling ? this.startPolling() : this.startWebSocket();
    }

    startWebSocket() {
        this.ws = new WebSocket(`ws://${args.host}:${args.port}${args.path}`, { perMessageDeflate: false });
        this.ws.on('open', () => this.onOpen());
        this.ws.on('message', (data, isBinary) => this.onMessage(isBinary ? data : data.toString(), isBinary));
        this.ws.on('close', (code, reason) => this.onClose(`${code} ${reason}`));
        this.ws.on('error', (e) => fail(`session ${this.id}: ${e.message}`));
    }

    startPolling() {
        this.socket = new Socket(`http://${args.host}:${args.port}`,
            { path: `${prefix}/engine.io/`, transports: ['polling'], upgrade: false });
        this.socket.on('open', () => {
            if (this.slow) { // a slow poller: every poll waits a little before it goes out
                const transport = this.socket.transport;
                const poll = transport._poll.bind(transport);
                transport._poll = () => setTimeout(poll, SLOW_POLL_DELAY_MS);
            }
            this.onOpen();
        });
        this.socket.on('message', (data) => this.onMessage(
            typeof data === 'string' ? data : Buffer.from(data), typeof data !== 'string'));
        this.socket.on('close', (reason) => this.onClose(reason));
        this.socket.on('error', (e) => fail(`session ${this.id}: ${e && e.message ? e.message : e}`));
    }

    onOpen() {
        this.open = true;
        ++openCount;
        ++everOpened;
        if (args.barrier && !released) {
            if (everOpened === args.sessions) {
                console.log(`ALLOPEN ${everOpened}`);
            }
            return;
        }
        this.begin();
    }

    begin() {
        if (this.slow && !this.polling) {
            // Stop reading, send a burst: the echoes pile up in the relay until we read again.
            this.ws._socket.pause();
            const burst = args.messages > 0 ? Math.min(SLOW_BURST, args.messages) : SLOW_BURST;
            for (let i = 0; i < burst; ++i) this.sendNext();
            setTimeout(() => this.ws._socket.resume(), SLOW_PAUSE_MS);
            return;
        }
        this.fill();
    }

    limitReached() {
        if (args.duration > 0 && finishing) return true;
        return args.messages > 0 && this.sent >= args.messages;
    }

    fill() {
        while (this.open && !this.closing && this.sent - this.received < WINDOW && !this.limitReached())
            this.sendNext();
        if (this.received === this.sent && this.limitReached()) this.close();
    }

    sendNext() {
        const n = this.sent++;
        const text = payload(this.id, n);
        const binary = n % 2 === 1;
        const data = binary ? Buffer.from(text) : text;
        if (this.polling) this.socket.send(data);
        else this.ws.send(data, { binary });
    }

    onMessage(data, isBinary) {
        const n = this.received;
        const expected = payload(this.id, n);
        const binary = n % 2 === 1;
        const got = isBinary ? data.toString() : data;
        if (isBinary !== binary || got !== expected) {
            const head = String(got).slice(0, 40);
            fail(`session ${this.id} (${this.polling ? 'polling' : 'ws'}): expected message ${n} `
                + `(${binary ? 'binary' : 'text'}), got ${isBinary ? 'binary' : 'text'} "${head}"`);
        }
        if (n >= this.sent) fail(`session ${this.id}: echo of message ${n} that was never sent`);
        ++this.received;
        ++delivered;
        ++intervalDelivered;
        this.fill();
    }

    close() {
        if (this.closing) return;
        this.closing = true;
        if (this.polling) this.socket.close();
        else this.ws.close(1000, 'done');
    }

    onClose(reason) {
        if (!this.closing) fail(`session ${this.id} (${this.polling ? 'polling' : 'ws'}) closed by the `
            + `relay after ${this.received}/${this.sent}: ${reason}`);
        if (this.received !== this.sent) fail(`session ${this.id}: ${this.sent - this.received} lost`);
        if (this.open) --openCount;
        this.open = false;
        live.delete(this);
        ++closedClean;
        if (args.duration > 0 && !finishing) {
            spawn(); // churn: a new session of the same mix takes its place
        } else if (live.size === 0) {
            finish();
        }
    }
}

let nextId = 0;
let released = !args.barrier;
function spawn() {
    const id = nextId++;
    // Spread the kinds evenly over the ids: polling every 1/share-th, slow every 1/slow-th session.
    const polling = Math.floor((id + 1) * args.polling) > Math.floor(id * args.polling);
    const slow = Math.floor((id + 1) * args.slow) > Math.floor(id * args.slow);
    return new Session(id, polling, slow);
}

function finish() {
    console.log(`OK sessions=${closedClean} delivered=${delivered} ws=${kinds.ws} polling=${kinds.polling} `
        + `slow=${kinds.slow} seconds=${((Date.now() - started) / 1000).toFixed(1)}`);
    // No process.exit(): the pollers' close packets (POSTs) and the WebSocket close handshakes are still in
    // flight; node exits once they are done, so that the relay sees every session end.
    process.exitCode = 0;
    if (reporter) clearInterval(reporter);
    process.stdin.pause();
    setTimeout(() => process.exit(0), 10000).unref();
}

let reporter = null;
if (args.report > 0) {
    let last = Date.now();
    reporter = setInterval(() => {
        const now = Date.now();
        const rate = intervalDelivered / ((now - last) / 1000);
        console.log(`RATE t=${Math.round((now - started) / 1000)} delivered=${delivered} `
            + `rate=${rate.toFixed(0)} open=${openCount}`);
        intervalDelivered = 0;
        last = now;
    }, args.report * 1000);
}

if (args.barrier) {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', () => {
        if (released) return;
        released = true;
        for (const s of live) if (s.open) s.begin();
    });
}

if (args.duration > 0) {
    setTimeout(() => {
        finishing = true;
        for (const s of [...live]) if (s.received === s.sent && s.open) s.close();
        setTimeout(() => fail(`${live.size} sessions did not finish after the duration`), 30000).unref();
        if (live.size === 0) finish();
    }, args.duration * 1000);
}

for (let i = 0; i < args.sessions; ++i) spawn();
