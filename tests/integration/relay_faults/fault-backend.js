// SPDX-License-Identifier: LGPL-3.0-or-later
// A node `ws` echo backend for the relay fault tests:  node fault-backend.js [PORT]
// Prints "PORT <n>" once listening, "RX <message>" for every text message as it arrives (before echoing it;
// stdout to a pipe is synchronous on Linux, so the lines survive a SIGKILL), "CLOSED <code> <reason>" for
// every connection that ends. SIGTERM: closes every connection with 1012 "backend restarting", then exits.
'use strict';
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0) });
wss.on('listening', () => console.log('PORT ' + wss.address().port));
wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
        if (!isBinary) console.log('RX ' + data.toString());
        ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code, reason) => console.log(`CLOSED ${code} ${reason.toString()}`));
});
process.on('SIGTERM', () => {
    for (const ws of wss.clients) ws.close(1012, 'backend restarting');
    wss.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
});
