// SPDX-License-Identifier: LGPL-3.0-or-later
// A WebSocket peer built on the pinned `ws` package, for qtws's client integration tests.
//
// Starts one HTTP server per permessage-deflate configuration on 127.0.0.1, port 0 (the OS picks), and prints
// one line: {"ready":{"<config>":port,...}}. Then logs one JSON line per event ({"event":"close",...}).
// The behaviour of a connection is chosen by its request path:
//   /echo                     echo every message back with the same type
//   /close?code=N&reason=R    close at once with N and R
//   /fragments?text=T&n=K     send T as one text message cut into K frames, then echo
//   /ping?payload=P           send a Ping with P; answer the Pong with the text "pong:<payload>"
//   /drop                     destroy the TCP connection right after the handshake (no Close frame)
//   /violate?kind=K           write a frame that breaks RFC 6455 (opcode, masked, utf8, rsv, bigcontrol,
//                             fragmentedcontrol, continuation, badclosecode)
//   /reject                   answer the upgrade with 404 Not Found
//   /bad-accept               answer 101 with a wrong Sec-WebSocket-Accept
//   /hang                     never answer the upgrade request
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const configs = {
  plain: false,
  'deflate-default': { threshold: 0 },
  'deflate-server-nct': { threshold: 0, serverNoContextTakeover: true },
  'deflate-client-nct': { threshold: 0, clientNoContextTakeover: true },
  'deflate-server-bits-9': { threshold: 0, serverMaxWindowBits: 9 },
  'deflate-client-bits-9': { threshold: 0, clientMaxWindowBits: 9 },
  'deflate-all': {
    threshold: 0,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 11,
  },
};

function log(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const violations = {
  opcode: Buffer.from([0x83, 0x00]),
  masked: Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x69 ^ 2]),
  utf8: Buffer.from([0x81, 0x02, 0xc3, 0x28]),
  rsv: Buffer.from([0xc1 | 0x10, 0x00]),
  bigcontrol: Buffer.concat([Buffer.from([0x89, 0x7e, 0x00, 0x7e]), Buffer.alloc(126, 0x61)]),
  fragmentedcontrol: Buffer.from([0x09, 0x00]),
  continuation: Buffer.from([0x80, 0x01, 0x61]),
  badclosecode: Buffer.from([0x88, 0x02, 0x03, 0xe7]), // 999
};

function behave(ws, url, name) {
  const path = url.pathname;
  ws.on('close', (code, reason) => log({ event: 'close', config: name, path, code, reason: reason.toString() }));
  ws.on('error', (e) => log({ event: 'error', config: name, path, message: e.message }));
  const echo = () =>
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  switch (path) {
    case '/echo':
      echo();
      break;
    case '/close':
      ws.close(Number(url.searchParams.get('code')), url.searchParams.get('reason') || '');
      break;
    case '/fragments': {
      const text = Buffer.from(url.searchParams.get('text') || '', 'utf8');
      const n = Math.max(1, Number(url.searchParams.get('n') || 1));
      const step = Math.ceil(text.length / n) || 1;
      for (let i = 0; i < n; ++i) {
        const part = text.subarray(i * step, Math.min(text.length, (i + 1) * step));
        ws.send(part, { binary: false, fin: i === n - 1, compress: false });
      }
      echo();
      break;
    }
    case '/ping':
      ws.on('pong', (data) => ws.send('pong:' + data.toString()));
      ws.ping(url.searchParams.get('payload') || '');
      echo();
      break;
    case '/drop':
      ws._socket.destroy();
      break;
    case '/violate': {
      const bytes = violations[url.searchParams.get('kind')];
      if (!bytes) throw new Error('unknown violation');
      ws._socket.write(bytes);
      break;
    }
    default:
      ws.close(1008, 'unknown path ' + path);
  }
}

function startServer(name, perMessageDeflate) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' });
      res.end('WebSocket only');
    });
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate,
      maxPayload: 64 * 1024 * 1024,
      handleProtocols: (protocols) => (protocols.size ? protocols.values().next().value : false),
    });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url, 'http://peer');
      log({ event: 'upgrade', config: name, path: url.pathname, headers: req.headers });
      if (url.pathname === '/reject') {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n'
          + 'Connection: close\r\n\r\nnot found');
        return;
      }
      if (url.pathname === '/bad-accept') {
        socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
          + 'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n');
        return;
      }
      if (url.pathname === '/hang')
        return;
      wss.handleUpgrade(req, socket, head, (ws) => behave(ws, url, name));
    });
    server.listen(0, '127.0.0.1', () => resolve([name, server.address().port]));
  });
}

Promise.all(Object.entries(configs).map(([name, cfg]) => startServer(name, cfg))).then((ports) => {
  log({ ready: Object.fromEntries(ports) });
});
// Exit when the test closes our stdin (also if it crashed).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
