// SPDX-License-Identifier: LGPL-3.0-or-later
// Node peer for qtws-bench's relay scenarios (loopback only).
//   node relay-peer.js eio-server
//       a stock engine.io server on 127.0.0.1:<free port> that echoes every message; prints "PORT n"
//   node relay-peer.js poll URL SIZE INFLIGHT WARMUP_MS DURATION_MS [PROXY_HOST:PORT]
//       engine.io-client forced to long-polling: keeps INFLIGHT text messages of SIZE bytes in
//       flight, prints one JSON line {messages, bytes, totalMessages (warm-up included), seconds,
//       cpuSeconds, procCpuSeconds (/proc/self/stat), p50Us, p99Us, maxRssKb}; through the
//       HTTP proxy PROXY_HOST:PORT when given (absolute-form requests)
//   node relay-peer.js idle URL COUNT TRANSPORT      (TRANSPORT: websocket-raw | polling)
//       opens COUNT sessions (plain ws, or engine.io-client polling), prints "READY n" when all are
//       open, keeps them until stdin closes or says "quit"
'use strict';

const http = require('http');

function fail(msg) {
    process.stdout.write(JSON.stringify({ error: String(msg) }) + '\n');
    process.exit(1);
}

function percentileUs(samples, q) {
    if (samples.length === 0) return -1;
    samples.sort((a, b) => a - b);
    const i = Math.min(samples.length - 1, Math.floor(q * samples.length));
    return Number(samples[i]) / 1000;
}

function eioServer() {
    const engine = require('engine.io');
    const server = http.createServer();
    // maxHttpBufferSize above the bench's largest message; pings far apart so that they do not
    // disturb the measurements (the relay gets the same settings).
    const eio = engine.attach(server, {
        pingInterval: 60000, pingTimeout: 60000, maxHttpBufferSize: 4 * 1024 * 1024,
        transports: ['polling', 'websocket'],
    });
    eio.on('connection', (socket) => socket.on('message', (m) => socket.send(m)));
    server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\n'));
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
}

// user+sys CPU seconds of this process from /proc/self/stat (fields 14 and 15, in clock ticks;
// 100 per second on Linux).
function procCpuSeconds() {
    const s = require('fs').readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
}

// An http.Agent that sends every request in absolute form to the HTTP proxy at PROXY
// (host:port), as a browser does for http:// URLs through a proxy; connections are kept alive.
function proxyAgent(proxy) {
    const http = require('http');
    const net = require('net');
    const [host, port] = proxy.split(':');
    class ProxyAgent extends http.Agent {
        addRequest(req, options) {
            req.path = 'http://' + (options.host || options.hostname) + ':' + options.port + req.path;
            super.addRequest(req, options);
        }
        createConnection() { return net.connect(+port, host); }
    }
    return new ProxyAgent({ keepAlive: true });
}

function poll(url, size, inflight, warmupMs, durationMs, proxy) {
    const { Socket } = require('engine.io-client');
    const payload = 'x'.repeat(size);
    const options = { transports: ['polling'], upgrade: false };
    if (proxy) options.agent = proxyAgent(proxy);
    const socket = new Socket(url, options);
    const sent = [];
    let counting = false, messages = 0, bytes = 0, samples = [], total = 0;
    let t0 = 0n, cpu0 = null, procCpu0 = 0;
    const timeout = setTimeout(() => fail('timeout'), warmupMs + durationMs + 30000);
    function sendOne() {
        sent.push(process.hrtime.bigint());
        socket.send(payload);
    }
    socket.on('open', () => {
        for (let i = 0; i < inflight; ++i) sendOne();
        setTimeout(() => {
            counting = true; t0 = process.hrtime.bigint(); cpu0 = process.cpuUsage();
            procCpu0 = procCpuSeconds();
            setTimeout(() => {
                const secs = Number(process.hrtime.bigint() - t0) / 1e9;
                const cpu = process.cpuUsage(cpu0);
                clearTimeout(timeout);
                process.stdout.write(JSON.stringify({
                    messages, bytes, totalMessages: total, seconds: secs, cpuSeconds: (cpu.user + cpu.system) / 1e6,
                    procCpuSeconds: procCpuSeconds() - procCpu0,
                    p50Us: percentileUs(samples, 0.5), p99Us: percentileUs(samples, 0.99),
                    maxRssKb: Math.round(process.resourceUsage().maxRSS),
                }) + '\n');
                socket.close();
                process.exit(0);
            }, durationMs);
        }, warmupMs);
    });
    socket.on('message', (m) => {
        if (m.length !== size) fail('echo of ' + m.length + ' bytes, expected ' + size);
        const start = sent.shift();
        ++total;
        if (counting) {
            ++messages; bytes += m.length;
            samples.push(Number(process.hrtime.bigint() - start));
        }
        sendOne();
    });
    socket.on('error', (e) => fail('engine.io-client: ' + (e && e.message ? e.message : e)));
    socket.on('close', (reason) => { if (!counting) fail('closed: ' + reason); });
}

function idle(url, count, transport) {
    const sockets = [];
    let open = 0;
    const timeout = setTimeout(() => fail('only ' + open + ' of ' + count + ' sessions opened'), 60000);
    function opened() {
        if (++open === count) {
            clearTimeout(timeout);
            process.stdout.write('READY ' + open + '\n');
        }
    }
    // Opened in batches of 50 so that the server's accept queue never overflows.
    function openBatch(from) {
        const to = Math.min(count, from + 50);
        let batchOpen = 0;
        for (let i = from; i < to; ++i) {
            let s;
            if (transport === 'websocket-raw') {
                const WebSocket = require('ws');
                s = new WebSocket(url);
                s.on('open', () => { opened(); if (++batchOpen === to - from) openBatch(to); });
                s.on('error', (e) => fail('ws: ' + e.message));
            } else {
                const { Socket } = require('engine.io-client');
                s = new Socket(url, { transports: [transport], upgrade: false });
                s.on('open', () => { opened(); if (++batchOpen === to - from) openBatch(to); });
                s.on('error', (e) => fail('engine.io-client: ' + (e && e.message ? e.message : e)));
            }
            sockets.push(s);
        }
    }
    if (count > 0) openBatch(0); else process.stdout.write('READY 0\n');
    const quit = () => { for (const s of sockets) s.close(); process.exit(0); };
    process.stdin.on('data', (d) => { if (String(d).includes('quit')) quit(); });
    process.stdin.on('end', quit);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'eio-server') eioServer();
else if (mode === 'poll') poll(args[0], +args[1], +args[2], +args[3], +args[4], args[5]);
else if (mode === 'idle') idle(args[0], +args[1], args[2]);
else fail('unknown mode ' + mode);
