#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// The calibration client: node's `ws` (pinned in tests/peers) in Autobahn echo mode. It asks the fuzzing server for
// the case count, runs every case by echoing each message back with its type until the server closes, then asks
// for the reports. `ws` passes the real Autobahn|Testsuite, so any FAILED verdict for it points at the fuzzer.
//   node ws-echo-agent.js --url ws://127.0.0.1:PORT [--agent ws] [--case-timeout 20]

const WebSocket = require('ws');

const args = process.argv.slice(2);
const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
};
const base = opt('--url');
const agent = opt('--agent', 'ws');
const caseTimeoutMs = Number(opt('--case-timeout', 20)) * 1000;
if (!base) {
    process.stderr.write('usage: ws-echo-agent.js --url ws://HOST:PORT [--agent NAME] [--case-timeout SECONDS]\n');
    process.exit(2);
}

/** Opens `path`, runs `onOpen`/echo, resolves with the text messages received when the connection closes. */
function session(path, { echo = false } = {}) {
    return new Promise((resolve) => {
        const texts = [];
        const ws = new WebSocket(`${base}${path}`);
        const timer = setTimeout(() => ws.terminate(), caseTimeoutMs);
        ws.on('message', (data, isBinary) => {
            if (echo)
                ws.send(data, { binary: isBinary });
            else if (!isBinary)
                texts.push(data.toString('utf8'));
        });
        ws.on('error', () => {}); // protocol errors are the point of many cases; 'close' follows
        ws.on('close', () => {
            clearTimeout(timer);
            resolve(texts);
        });
    });
}

(async () => {
    const [count] = await session('/getCaseCount');
    const n = Number(count);
    if (!Number.isInteger(n) || n <= 0) {
        process.stderr.write(`ws-echo-agent: bad case count ${JSON.stringify(count)}\n`);
        process.exit(1);
    }
    for (let i = 1; i <= n; ++i)
        await session(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, { echo: true });
    await session(`/updateReports?agent=${encodeURIComponent(agent)}`);
    process.stdout.write(`ws-echo-agent: ran ${n} cases\n`);
})();
