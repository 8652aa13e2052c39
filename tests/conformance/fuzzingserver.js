#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// A WebSocket fuzzing server that speaks the Autobahn|Testsuite client protocol, on raw TCP sockets with its own
// framing code so that every byte on the wire is under its control:
//   GET /getCaseCount                  -> one text message with the number of cases, then close
//   GET /getCaseInfo?case=N            -> one text message {"id", "description", "expectation"}, then close
//   GET /runCase?case=N&agent=A        -> runs case N (1-based) against the client, which echoes every message
//   GET /updateReports?agent=A         -> writes <reportDir>/index.json and <reportDir>/<agent>.txt, then close
// Usable as a module (FuzzingServer) and from the command line:
//   node fuzzingserver.js [--port 9001] [--host 127.0.0.1] [--report-dir reports] [--cases 1.*,6.4.*]

const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { acceptKey, Opcode } = require('./lib/wsproto');
const { FuzzPeer } = require('./lib/peer');
const { CaseContext, kRank } = require('./lib/caserun');
const { cases: allCases, categories, compareIds } = require('./lib/cases');

// RFC 7230 §3.2.5-style cap on the request head we buffer before answering.
const kMaxRequestHeadBytes = 16 * 1024;

/** Selects cases by comma-separated patterns where '*' matches anything ("6.4.*", "1.1.1"). */
function selectCases(patterns) {
    if (!patterns)
        return allCases.slice();
    const res = patterns.split(',').map((p) => new RegExp(`^${p.trim().replace(/\./g, '\\.').replace(/\*/g, '.*')}$`));
    return allCases.filter((c) => res.some((re) => re.test(c.id)));
}

function parseRequestHead(text) {
    const lines = text.split('\r\n');
    const [method, target, version] = lines[0].split(' ');
    const headers = {};
    for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i <= 0)
            continue;
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        headers[name] = headers[name] !== undefined ? `${headers[name]}, ${value}` : value;
    }
    return { method, target, version, headers };
}

const hasToken = (value, token) =>
    (value || '').split(',').some((t) => t.trim().toLowerCase() === token);

class FuzzingServer extends EventEmitter {
    constructor({ reportDir = 'reports', cases = allCases } = {}) {
        super();
        this.reportDir = reportDir;
        this.cases = cases;
        this.results = new Map(); // agent -> Map(caseId -> result)
        this.sockets = new Set();
        this.server = net.createServer((s) => this.onConnection(s));
    }

    listen(port = 0, host = '127.0.0.1') {
        return new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(port, host, () => resolve(this.server.address().port));
        });
    }

    close() {
        for (const s of this.sockets)
            s.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    /** Resolves with the result of `caseId` for `agent` once recorded (or null after `timeoutMs`). */
    waitForResult(agent, caseId, timeoutMs) {
        const have = this.results.get(agent)?.get(caseId);
        if (have)
            return Promise.resolve(have);
        return new Promise((resolve) => {
            const onResult = (r) => {
                if (r.agent === agent && r.id === caseId) {
                    clearTimeout(timer);
                    this.off('caseFinished', onResult);
                    resolve(r);
                }
            };
            const timer = setTimeout(() => {
                this.off('caseFinished', onResult);
                resolve(null);
            }, timeoutMs);
            this.on('caseFinished', onResult);
        });
    }

    onConnection(socket) {
        this.sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
        let head = Buffer.alloc(0);
        const onData = (chunk) => {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) {
                if (head.length > kMaxRequestHeadBytes)
                    this.reject(socket, 431, 'Request Header Fields Too Large');
                return;
            }
            socket.off('data', onData);
            const request = parseRequestHead(head.subarray(0, end).toString('latin1'));
            this.onRequest(socket, request, head.subarray(end + 4));
        };
        socket.on('data', onData);
    }

    reject(socket, status, text) {
        const body = `${status} ${text}\n`;
        socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n` +
            `Connection: close\r\n\r\n${body}`);
    }

    onRequest(socket, request, rest) {
        const h = request.headers;
        // RFC 6455 §4.2.1: what a server requires of the opening handshake.
        if (request.method !== 'GET' || !hasToken(h.upgrade, 'websocket') || !hasToken(h.connection, 'upgrade') ||
            !h['sec-websocket-key'] || h['sec-websocket-version'] !== '13') {
            this.reject(socket, 400, 'Bad Request: not a WebSocket version 13 upgrade');
            return;
        }
        const url = new URL(request.target, 'ws://fuzzer');
        const agent = url.searchParams.get('agent') || 'unknown';
        const index = Number(url.searchParams.get('case'));
        let caseDef = null;
        if (url.pathname === '/runCase' || url.pathname === '/getCaseInfo') {
            if (!Number.isInteger(index) || index < 1 || index > this.cases.length) {
                this.reject(socket, 404, `Not Found: no case ${url.searchParams.get('case')}`);
                return;
            }
            caseDef = this.cases[index - 1];
        } else if (!['/getCaseCount', '/updateReports'].includes(url.pathname)) {
            this.reject(socket, 404, `Not Found: ${url.pathname}`);
            return;
        }
        // No subprotocol and no extension is accepted: every RSV bit and opcode keeps its RFC 6455 meaning.
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${acceptKey(h['sec-websocket-key'])}\r\nServer: qtws-fuzzingserver\r\n\r\n`);
        const peer = new FuzzPeer(socket);
        socket.on('data', (chunk) => peer.receive(chunk));
        if (url.pathname === '/runCase') {
            const ctx = new CaseContext(peer, caseDef, agent);
            ctx.done.then((r) => this.record(r));
            ctx.start();
        } else {
            let text = '';
            if (url.pathname === '/getCaseCount') {
                text = JSON.stringify(this.cases.length);
            } else if (url.pathname === '/getCaseInfo') {
                text = JSON.stringify({ id: caseDef.id, description: caseDef.description, expectation: caseDef.expectation });
            } else {
                const agentParam = url.searchParams.get('agent');
                this.writeReports(agentParam ? [agentParam] : undefined);
            }
            if (text)
                peer.sendFrame({ opcode: Opcode.Text, payload: text });
            peer.sendClose({ code: 1000 });
        }
        if (rest.length)
            peer.receive(rest);
    }

    record(result) {
        if (!this.results.has(result.agent))
            this.results.set(result.agent, new Map());
        this.results.get(result.agent).set(result.id, result);
        this.emit('caseFinished', result);
    }

    /** Results of `agent` for every case of this server, MISSING where a case never ran. */
    resultsFor(agent) {
        const got = this.results.get(agent) || new Map();
        return this.cases.map((c) => got.get(c.id) || {
            id: c.id, agent, verdict: 'MISSING', behavior: 'MISSING', behaviorClose: 'MISSING',
            reason: 'the client never completed the opening handshake for this case', description: c.description,
        });
    }

    /** Writes index.json (all agents, Autobahn-like layout) and one text table per agent. */
    writeReports(agents) {
        fs.mkdirSync(this.reportDir, { recursive: true });
        const indexPath = path.join(this.reportDir, 'index.json');
        let index = {};
        try {
            index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
        } catch {
            index = {};
        }
        const names = agents || [...this.results.keys()];
        for (const agent of names) {
            const rows = this.resultsFor(agent);
            index[agent] = {};
            for (const r of rows) {
                index[agent][r.id] = {
                    verdict: r.verdict, behavior: r.behavior, behaviorClose: r.behaviorClose, duration: r.duration,
                    remoteCloseCode: r.remoteCloseCode ?? null, reason: r.reason || '',
                    expected: r.expected, received: r.received,
                };
                if (r.clientOutput)
                    index[agent][r.id].clientOutput = r.clientOutput;
            }
            fs.writeFileSync(path.join(this.reportDir, `${agent.replace(/[^A-Za-z0-9_.-]/g, '_')}.txt`), formatTable(agent, rows));
        }
        fs.writeFileSync(indexPath, `${JSON.stringify(index, null, 1)}\n`);
        return indexPath;
    }
}

function countVerdicts(rows) {
    const counts = { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, FAILED: 0, MISSING: 0 };
    for (const r of rows)
        counts[r.verdict] = (counts[r.verdict] || 0) + 1;
    return counts;
}

function formatTable(agent, rows) {
    const out = [`Conformance report for agent "${agent}" (${rows.length} cases)`, ''];
    const byGroup = new Map();
    for (const r of rows) {
        const g = r.id.split('.')[0];
        if (!byGroup.has(g))
            byGroup.set(g, []);
        byGroup.get(g).push(r);
    }
    out.push(`${'group'.padEnd(22)} ${'cases'.padStart(5)} ${'OK'.padStart(5)} ${'NON-STRICT'.padStart(10)} ` +
        `${'INFO'.padStart(5)} ${'FAILED'.padStart(6)} ${'MISSING'.padStart(7)}`);
    for (const [g, list] of [...byGroup.entries()].sort((a, b) => compareIds(a[0], b[0]))) {
        const c = countVerdicts(list);
        out.push(`${`${g} ${categories[g] || ''}`.padEnd(22)} ${String(list.length).padStart(5)} ${String(c.OK).padStart(5)} ` +
            `${String(c['NON-STRICT']).padStart(10)} ${String(c.INFORMATIONAL).padStart(5)} ${String(c.FAILED).padStart(6)} ` +
            `${String(c.MISSING).padStart(7)}`);
    }
    const t = countVerdicts(rows);
    out.push(`${'total'.padEnd(22)} ${String(rows.length).padStart(5)} ${String(t.OK).padStart(5)} ` +
        `${String(t['NON-STRICT']).padStart(10)} ${String(t.INFORMATIONAL).padStart(5)} ${String(t.FAILED).padStart(6)} ` +
        `${String(t.MISSING).padStart(7)}`, '');
    for (const r of rows) {
        if (r.verdict !== 'OK')
            out.push(`${r.id.padEnd(8)} ${r.verdict.padEnd(13)} ${r.reason || ''}`);
    }
    return `${out.join('\n')}\n`;
}

module.exports = { FuzzingServer, selectCases, formatTable, countVerdicts, kRank };

if (require.main === module) {
    const args = process.argv.slice(2);
    const opt = (name, def) => {
        const i = args.indexOf(name);
        return i >= 0 ? args[i + 1] : def;
    };
    const server = new FuzzingServer({ reportDir: opt('--report-dir', 'reports'), cases: selectCases(opt('--cases')) });
    server.listen(Number(opt('--port', 9001)), opt('--host', '127.0.0.1')).then((port) => {
        process.stdout.write(`fuzzingserver: ${server.cases.length} cases, listening on ws://127.0.0.1:${port}\n`);
    });
    const stop = () => server.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}
