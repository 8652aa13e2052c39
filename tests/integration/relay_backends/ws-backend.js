// SPDX-License-Identifier: LGPL-3.0-or-later
// A node `ws` backend for the relay tests: echoes every message with its type; "close-me" makes it close with
// 4001 "backend bye". Prints "PORT <n>" once listening and "CLOSED <code> <reason>" for every connection that ends.
'use strict';
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => console.log('PORT ' + wss.address().port));
wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'close-me') return ws.close(4001, 'backend bye');
        ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code, reason) => console.log(`CLOSED ${code} ${reason.toString()}`));
});
process.stdin.on('end', () => process.exit(0)); // the test closes our stdin to stop us
process.stdin.resume();
