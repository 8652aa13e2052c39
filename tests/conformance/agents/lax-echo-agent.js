#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// A deliberately non-conforming echo client for the fuzzer self-test: it validates nothing (RSV bits, opcodes,
// control frame sizes, fragmentation, UTF-8, close codes), echoes every data message, answers every ping and
// answers every close with 1000. The fuzzer must fail it on every case that tests a MUST of RFC 6455 §5-§8; the
// self-test pins those verdicts exactly so that a fuzzer that stops noticing violations is caught.
//   node lax-echo-agent.js --url ws://127.0.0.1:PORT [--agent lax]

const net = require('node:net');
const crypto = require('node:crypto');
const { FrameParser, encodeFrame, Opcode } = require('../lib/wsproto');

const args = process.argv.slice(2);
const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
};
const base = new URL(opt('--url'));
const agent = opt('--agent', 'lax');

/** Client frames are masked (RFC 6455 §5.3); this is the only rule the lax client keeps. */
function masked(opcode, payload) {
    const plain = encodeFrame({ opcode, payload });
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

function session(path, { echo = false } = {}) {
    return new Promise((resolve) => {
        const texts = [];
        const socket = net.connect(Number(base.port), base.hostname);
        const timer = setTimeout(() => socket.destroy(), 20000);
        const parser = new FrameParser();
        let head = Buffer.alloc(0);
        let upgraded = false;
        let message = null;
        socket.on('connect', () => {
            socket.write(`GET ${path} HTTP/1.1\r\nHost: ${base.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        });
        const onFrames = (frames) => {
            for (const f of frames) {
                if (f.opcode === Opcode.Close) {
                    const body = Buffer.alloc(2);
                    body.writeUInt16BE(1000, 0);
                    socket.write(masked(Opcode.Close, body));
                    return;
                }
                if (f.opcode === Opcode.Ping) {
                    socket.write(masked(Opcode.Pong, f.payload));
                    continue;
                }
                if (f.opcode === Opcode.Text || f.opcode === Opcode.Binary)
                    message = { opcode: f.opcode, parts: [] };
                if (f.opcode > Opcode.Binary || !message)
                    continue;
                message.parts.push(f.payload);
                if (f.fin) {
                    const payload = Buffer.concat(message.parts);
                    if (echo)
                        socket.write(masked(message.opcode, payload));
                    else if (message.opcode === Opcode.Text)
                        texts.push(payload.toString('utf8'));
                    message = null;
                }
            }
        };
        socket.on('data', (chunk) => {
            if (!upgraded) {
                head = Buffer.concat([head, chunk]);
                const end = head.indexOf('\r\n\r\n');
                if (end < 0)
                    return;
                upgraded = true;
                chunk = head.subarray(end + 4);
            }
            try {
                onFrames(parser.push(chunk));
            } catch {
                socket.destroy();
            }
        });
        socket.on('error', () => {});
        socket.on('close', () => {
            clearTimeout(timer);
            resolve(texts);
        });
    });
}

(async () => {
    const [count] = await session('/getCaseCount');
    const n = Number(count);
    for (let i = 1; i <= n; ++i)
        await session(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, { echo: true });
    await session(`/updateReports?agent=${encodeURIComponent(agent)}`);
    process.stdout.write(`lax-echo-agent: ran ${n} cases\n`);
})();
