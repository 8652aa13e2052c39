// SPDX-License-Identifier: LGPL-3.0-or-later
// qtws-bench worker for node `ws` (with bufferutil for masking): the same scenarios and the same one-line JSON
// result as `qtws-bench --worker`. Spawned by qtws-bench with NODE_PATH=tests/peers/node_modules.
'use strict';

const http = require('http');
const WebSocket = require('ws');

function parseArgs(argv) {
    const p = {
        kind: 'echo', payload: 'binary', size: 32, inflight: 1, count: 1000, fragSize: 64, burst: 512,
        path: '/echo', host: '127.0.0.1', port: 0, proxyPort: 0, warmupMs: 300, durationMs: 1000,
    };
    const names = {
        '--kind': 'kind', '--payload': 'payload', '--size': 'size', '--inflight': 'inflight', '--count': 'count',
        '--frag-size': 'fragSize', '--burst': 'burst', '--path': 'path', '--host': 'host', '--port': 'port',
        '--warmup-ms': 'warmupMs', '--duration-ms': 'durationMs', '--impl': 'impl', '--proxy-port': 'proxyPort',
    };
    for (let i = 0; i < argv.length; i += 2) {
        const key = names[argv[i]];
        if (!key) throw new Error(`unknown option ${argv[i]}`);
        const v = argv[i + 1];
        p[key] = typeof p[key] === 'number' ? Number(v) : v;
    }
    return p;
}

function makePayload(kind, size) {
    if (kind === 'binary') {
        const b = Buffer.alloc(size);
        for (let i = 0; i < size; ++i) b[i] = (i * 131 + 7) & 0xff;
        return b;
    }
    // Same content as qtws-bench's makePayload(): whole units, then '.' padding.
    const unit = Buffer.from(kind === 'utf8' ? 'qtws h\u00e9llo w\u00f6rld \u2014 \u65e5\u672c\u8a9e \u{1F389} '
        : 'The quick brown fox jumps over the lazy dog. ', 'utf8');
    const parts = [];
    let n = 0;
    while (n + unit.length <= size) { parts.push(unit); n += unit.length; }
    parts.push(Buffer.alloc(size - n, '.'));
    return Buffer.concat(parts);
}

const nowNs = () => process.hrtime.bigint();
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const peakRssKb = () => process.resourceUsage().maxRSS;

function percentileUs(samples, q) {
    if (samples.length === 0) return -1;
    samples.sort((a, b) => a - b);
    return samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] / 1000;
}

function finish(r) {
    process.stdout.write(JSON.stringify(r) + '\n', () => process.exit(r.error ? 1 : 0));
}
const fail = (e) => finish({ error: String(e) });

function currentRssKb() { return Math.round(process.memoryUsage.rss() / 1024); }

function run(p) {
    const url = `ws://${p.host}:${p.port}${p.path}`;
    // maxFragments: ws 8.23 caps a message at 16384 fragments by default (a DoS guard); the frag scenarios
    // send 32768 and 65536 on purpose.
    const opts = { perMessageDeflate: false, maxFragments: 0 };
    setTimeout(() => fail('timed out'), 20000 + p.warmupMs + p.durationMs * 4).unref();

    if (p.kind === 'connect') {
        const samples = [];
        const start = nowNs();
        let inWindow = false, t0 = 0n, cpu0 = 0, n = 0;
        const next = () => {
            const now = nowNs();
            if (!inWindow && now - start >= BigInt(p.warmupMs) * 1000000n) {
                inWindow = true; t0 = now; cpu0 = cpuSeconds();
            }
            if (inWindow && now - t0 >= BigInt(p.durationMs) * 1000000n) {
                return finish({
                    messages: n, bytes: 0, seconds: Number(now - t0) / 1e9, cpu_seconds: cpuSeconds() - cpu0,
                    max_rss_kb: peakRssKb(), p50_us: percentileUs(samples, 0.5), p99_us: percentileUs(samples, 0.99),
                    rss_per_conn_kb: -1,
                });
            }
            const open = (extra) => {
                const ws = new WebSocket(url, Object.assign({}, opts, extra));
                ws.on('open', () => {
                    if (inWindow) { samples.push(Number(nowNs() - now)); ++n; }
                    ws.terminate();
                    setImmediate(next);
                });
                ws.on('error', fail);
            };
            if (!p.proxyPort) return open({});
            // Through the proxy: CONNECT (RFC 9110 §9.3.6), then the handshake inside the tunnel.
            const authority = `${p.host}:${p.port}`;
            const req = http.request({
                host: p.host, port: p.proxyPort, method: 'CONNECT', path: authority, agent: false,
                headers: { host: authority },
            });
            req.on('connect', (res, socket) => {
                if (res.statusCode !== 200) return fail(`proxy refused CONNECT: ${res.statusCode}`);
                open({ createConnection: () => socket });
            });
            req.on('error', fail);
            req.end();
        };
        return next();
    }

    if (p.kind === 'idle') {
        const warm = new WebSocket(url, opts);
        warm.on('error', fail);
        warm.on('open', () => {
            warm.terminate();
            setTimeout(() => {
                if (global.gc) global.gc();
                const rss0 = currentRssKb();
                const t0 = nowNs();
                const cpu0 = cpuSeconds();
                const conns = [];
                let open = 0;
                for (let i = 0; i < p.count; ++i) {
                    const ws = new WebSocket(url, opts);
                    ws.on('error', fail);
                    ws.on('open', () => {
                        if (++open !== p.count) return;
                        const t1 = nowNs();
                        setTimeout(() => finish({
                            messages: open, bytes: 0, seconds: Number(t1 - t0) / 1e9,
                            cpu_seconds: cpuSeconds() - cpu0, max_rss_kb: peakRssKb(), p50_us: -1, p99_us: -1,
                            rss_per_conn_kb: (currentRssKb() - rss0) / p.count, keep: conns.length,
                        }), 300);
                    });
                    conns.push(ws);
                }
            }, 300);
        });
        return;
    }

    // Stream kinds: echo, latency, burst, frag.
    const isText = p.payload !== 'binary';
    const bytes = p.kind === 'burst' ? Buffer.from('t') : makePayload(p.payload, p.size);
    const out = isText ? bytes.toString('utf8') : bytes;
    const expected = p.kind === 'burst' ? p.size : bytes.length;
    const ws = new WebSocket(url, opts);
    ws.binaryType = 'nodebuffer';
    let messages = 0, total = 0, messages0 = 0, total0 = 0, burstReceived = 0;
    let sentAt = 0n, inWindow = false, t0 = 0n, cpu0 = 0;
    const samples = [];
    const sendOne = () => {
        if (p.kind === 'latency') sentAt = nowNs();
        ws.send(out, { binary: !isText });
    };
    ws.on('error', fail);
    ws.on('open', () => {
        setTimeout(() => {
            inWindow = true; messages0 = messages; total0 = total; cpu0 = cpuSeconds(); t0 = nowNs();
            // Extended until at least 3 messages completed (as in qtws-bench's workers).
            const end = () => {
                if (messages - messages0 < 3) return setTimeout(end, Math.floor(p.durationMs / 4) + 1);
                const t1 = nowNs();
                finish({
                    messages: messages - messages0, bytes: total - total0, seconds: Number(t1 - t0) / 1e9,
                    cpu_seconds: cpuSeconds() - cpu0, max_rss_kb: peakRssKb(),
                    p50_us: percentileUs(samples, 0.5), p99_us: percentileUs(samples, 0.99), rss_per_conn_kb: -1,
                });
            };
            setTimeout(end, p.durationMs);
        }, p.warmupMs);
        const n = p.kind === 'latency' ? 1 : p.inflight;
        for (let i = 0; i < n; ++i) sendOne();
    });
    let verified = false;
    ws.on('message', (data, isBinary) => {
        if (!verified) { // the first echo byte for byte, the rest by size
            verified = true;
            const want = p.kind === 'burst' ? Buffer.alloc(p.size, 'x') : bytes;
            if (!Buffer.from(data).equals(want)) return fail('the first echo differs from what was sent');
        }
        // Text is decoded like a browser or a Qt client would hand it out.
        const size = isBinary ? data.length : Buffer.byteLength(data.toString('utf8'));
        if (size !== expected) return fail(`received ${size} bytes, expected ${expected}`);
        ++messages;
        total += p.size;
        if (p.kind === 'latency') {
            if (inWindow) samples.push(Number(nowNs() - sentAt));
            sendOne();
        } else if (p.kind === 'burst') {
            if (++burstReceived % p.burst === 0) sendOne();
        } else {
            sendOne();
        }
    });
}

try {
    run(parseArgs(process.argv.slice(2)));
} catch (e) {
    fail(e.message);
}
