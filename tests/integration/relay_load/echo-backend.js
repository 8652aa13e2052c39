// SPDX-License-Identifier: LGPL-3.0-or-later
// A quiet node `ws` echo backend for scripts/soak.sh: keeps message types; prints "PORT <n>" once listening.
'use strict';
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('listening', () => console.log('PORT ' + wss.address().port));
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
