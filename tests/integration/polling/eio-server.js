// SPDX-License-Identifier: LGPL-3.0-or-later
// A stock engine.io v6 server (tests/peers pins the version) for tst_polling: polling only, echoes
// every message (binary as binary); "close" makes the server close the session. Prints
// "PORT <n>" once listening. Arguments: pingInterval pingTimeout (ms).
'use strict';
const http = require('http');
const { Server } = require('engine.io');

const pingInterval = Number(process.argv[2] || 25000);
const pingTimeout = Number(process.argv[3] || 20000);
const httpServer = http.createServer();
const server = new Server({ pingInterval, pingTimeout, transports: ['polling'], allowUpgrades: false });
server.attach(httpServer);
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    if (data === 'close') {
      socket.close();
      return;
    }
    socket.send(data);
  });
  socket.on('close', (reason) => console.log('CLOSED ' + reason));
});
httpServer.listen(0, '127.0.0.1', () => console.log('PORT ' + httpServer.address().port));
