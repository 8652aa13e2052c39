// SPDX-License-Identifier: LGPL-3.0-or-later
// Local peer for the web bridge tests: serves the test pages over HTTP and answers WebSocket upgrades
// on the same port (node `ws`, pinned in tests/peers). Two listeners on 127.0.0.1, port 0 each:
// "site" (the allowlisted origin) and "foreign" (an origin the bridge must not serve). Prints one line
// {"ready":{"site":P1,"foreign":P2,"closed":P3}} (P3: a port nothing listens on) and then nothing unless a client misbehaves.
//
// WebSocket behaviour by request path:
//   /echo                 echo every message with its type
//   /close?code=N&reason=R  close at once with N and R (no code when N is absent)
//   /drop                 destroy the TCP connection right after the handshake
//   /reject               answer the upgrade with 404
//   /proto                select the first offered subprotocol
//   /noproto              select none, whatever was offered
//   /send?n=K&size=S&binary=0|1   send K messages of S bytes right after the handshake
//   /headers              send one text message: JSON of the Origin and Cookie request headers
//   /setcookie?v=V        answer the handshake with Set-Cookie: qtwsws=V; Path=/
//   /stall                read nothing (the client's bufferedAmount grows); echo "stalled" first
// Any other HTTP GET serves a file from tests/browser/pages (or a generated iframe page).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { WebSocketServer } = require('ws');

// Pages come from tests/browser/pages, or from the folder given as the first argument.
const pagesDir = path.resolve(process.argv[2] || path.join(__dirname, 'pages'));
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

function servePage(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const file = path.join(pagesDir, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(pagesDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  const headers = { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' };
  // Cross-origin isolation on request: performance.now() then has 5 us resolution (benchmarks).
  if (url.searchParams.has('isolated')) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
}

function behave(ws, req) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const q = url.searchParams;
  ws.on('error', () => {});
  switch (url.pathname) {
    case '/echo':
    case '/proto':
    case '/noproto':
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      break;
    case '/close':
      if (q.has('code')) ws.close(Number(q.get('code')), q.get('reason') || '');
      else ws.close();
      break;
    case '/drop':
      ws.terminate();
      break;
    case '/send': {
      const n = Number(q.get('n') || 1);
      const size = Number(q.get('size') || 1);
      const binary = q.get('binary') === '1';
      for (let i = 0; i < n; ++i) {
        const buf = Buffer.alloc(size);
        for (let j = 0; j < size; ++j) buf[j] = binary ? (i + j) & 0xff : 0x61 + ((i + j) % 26);
        ws.send(binary ? buf : buf.toString('latin1'), { binary });
      }
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      break;
    }
    case '/headers':
      ws.send(JSON.stringify({ origin: req.headers.origin || null, cookie: req.headers.cookie || null }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      break;
    case '/setcookie':
      ws.send('set');
      break;
    case '/stall':
      ws.send('stalled');
      ws._socket.pause();
      break;
    default:
      ws.close(4004, 'unknown path');
  }
}

function listen(name) {
  const server = http.createServer(servePage);
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols, req) => {
      const p = new URL(req.url, 'http://127.0.0.1').pathname;
      if (p === '/noproto') return false;
      return protocols.size ? protocols.values().next().value : false;
    },
  });
  wss.on('headers', (headers, req) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/setcookie') headers.push('Set-Cookie: qtwsws=' + (url.searchParams.get('v') || '1') + '; Path=/');
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url.startsWith('/reject')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => behave(ws, req));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve([name, server.address().port])));
}

// A port nothing listens on, for "connection refused" checks: bound, then released.
function closedPort() {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(['closed', port]));
    });
  });
}

// A WebSocket endpoint on a port Chromium restricts (net/base/port_util.cc), to prove that
// connections to it are refused before they reach it. The first of these that is free.
function restrictedPort(candidates) {
  return new Promise((resolve) => {
    const tryNext = () => {
      const port = candidates.shift();
      if (port === undefined) return resolve(['restricted', 0]);
      const server = http.createServer(servePage);
      const wss = new WebSocketServer({ server });
      wss.on('connection', (ws, req) => behave(ws, req));
      server.once('error', tryNext);
      server.listen(port, '127.0.0.1', () => resolve(['restricted', port]));
    };
    tryNext();
  });
}

Promise.all([listen('site'), listen('foreign'), closedPort(), restrictedPort([6667, 6668, 6669, 6666, 6697, 10080, 6000])]).then((ports) => {
  process.stdout.write(JSON.stringify({ ready: Object.fromEntries(ports) }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
