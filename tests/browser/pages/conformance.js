// SPDX-License-Identifier: LGPL-3.0-or-later
// WebSocket conformance page. tst_webbridge loads it twice: once with Qt WebEngine's native WebSocket,
// once with QtWs::WebBridge replacing window.WebSocket, and compares the two traces entry by entry.
// Every check appends [name, value] to the trace; values are plain JSON so that the comparison in C++
// is a string comparison. Only what a page can observe deterministically is recorded: no timings,
// no isTrusted (script-created events are never trusted), no user agent.
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const base = 'ws://' + location.host;
  const closedPort = params.get('closed') || '9';
  const restrictedPort = params.get('restricted') || '6667';
  const only = params.get('only');
  const trace = [];
  const T = (name, value) => trace.push([name, value === undefined ? '(undefined)' : value]);

  function errorOf(fn) {
    try {
      fn();
      return 'no exception';
    } catch (e) {
      return (e && e.name) + ': ' + (e && e.message);
    }
  }
  function hex(buffer, max) {
    const bytes = new Uint8Array(buffer);
    let out = '';
    for (let i = 0; i < Math.min(bytes.length, max || 16); ++i) out += bytes[i].toString(16).padStart(2, '0');
    return out;
  }
  function checksum(buffer) {
    const bytes = new Uint8Array(buffer);
    let sum = 0;
    for (let i = 0; i < bytes.length; ++i) sum = (sum * 31 + bytes[i]) >>> 0;
    return sum;
  }
  function describeData(data) {
    if (typeof data === 'string')
      return data.length > 64 ? { string: data.length, sum: checksum(new TextEncoder().encode(data)) } : { string: data };
    if (data instanceof ArrayBuffer) return { arraybuffer: data.byteLength, hex: hex(data), sum: checksum(data) };
    if (data instanceof Blob) return { blob: data.size, type: data.type };
    return { other: Object.prototype.toString.call(data) };
  }
  // One line per event, with what the page sees at dispatch time.
  function describeEvent(e, ws) {
    const d = {
      type: e.type,
      class: Object.prototype.toString.call(e),
      readyState: ws.readyState,
      target: e.target === ws,
      phase: e.eventPhase,
      bubbles: e.bubbles,
      cancelable: e.cancelable,
    };
    if (e.type === 'message') {
      d.origin = e.origin;
      d.lastEventId = e.lastEventId;
      d.source = e.source;
      d.ports = e.ports.length;
      d.data = describeData(e.data);
    }
    if (e.type === 'close') {
      d.code = e.code;
      d.reason = e.reason;
      d.wasClean = e.wasClean;
    }
    return d;
  }
  // Records every event of ws into log; resolves `closed` with the log when the close event came.
  function watch(ws, log) {
    log = log || [];
    let resolveClosed;
    const closed = new Promise((resolve) => (resolveClosed = resolve));
    for (const type of ['open', 'message', 'error', 'close'])
      ws.addEventListener(type, (e) => {
        log.push(describeEvent(e, ws));
        if (type === 'close') resolveClosed(log);
      });
    return { log, closed };
  }
  function next(ws, type) {
    return new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
  }
  function timeout(promise, ms, what) {
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout: ' + what)), ms))),
    ]).finally(() => clearTimeout(timer));
  }
  const tests = [];
  const test = (name, fn) => tests.push([name, fn]);

  // ---- The interface -------------------------------------------------------------------------
  test('interface', () => {
    T('typeof', typeof WebSocket);
    T('name', WebSocket.name);
    T('length', WebSocket.length);
    T('constants', [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]);
    T('prototype constants', [WebSocket.prototype.CONNECTING, WebSocket.prototype.OPEN, WebSocket.prototype.CLOSING, WebSocket.prototype.CLOSED]);
    const c = Object.getOwnPropertyDescriptor(WebSocket, 'CLOSED');
    T('constant descriptor', [c.writable, c.enumerable, c.configurable]);
    T('inherits EventTarget', [Object.getPrototypeOf(WebSocket.prototype) === EventTarget.prototype, Object.getPrototypeOf(WebSocket) === EventTarget]);
    T('prototype toString', Object.prototype.toString.call(WebSocket.prototype));
    // The qtws extension (a documented addition) is left out of the member list.
    T('prototype members', Object.getOwnPropertyNames(WebSocket.prototype).filter((n) => n !== 'qtws').sort());
    const rs = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'readyState');
    T('readyState accessor', [typeof rs.get, typeof rs.set, rs.enumerable, rs.configurable]);
    const bt = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'binaryType');
    T('binaryType accessor', [typeof bt.get, typeof bt.set]);
    const send = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'send');
    T('send method', [typeof send.value, send.value.length, send.writable, send.enumerable]);
    T('close length', WebSocket.prototype.close.length);
    T('constructor link', WebSocket.prototype.constructor === WebSocket);
    T('getter on prototype', errorOf(() => WebSocket.prototype.readyState));
    T('getter on other object', errorOf(() => rs.get.call({})));
    T('call without new', errorOf(() => WebSocket(base + '/echo')));
    T('no arguments', errorOf(() => new WebSocket()));
  });

  // ---- Constructor errors and URL handling ---------------------------------------------------
  test('constructor errors', () => {
    const urls = [
      'foo',
      '/echo',
      'http://127.0.0.1/',
      'https://127.0.0.1/',
      'javascript:a',
      'ws://127.0.0.1/#',
      'ws://127.0.0.1/#frag',
      'ws://[127.0.0.1/',
      'ws://127.0.0.1:70000/',
      'ws://',
      'ws://127.0.0.1:25/',
      'wss://127.0.0.1:6000/#x',
      'data:text/plain,x',
    ];
    for (const u of urls) T('url ' + u, errorOf(() => new WebSocket(u)));
    const protocols = [['a', 'a'], ['a b'], [''], ['a,b'], ['é'], ['chat', 'CHAT'], [' chat'], ['a\u0000']];
    for (const p of protocols) T('protocols ' + JSON.stringify(p), errorOf(() => new WebSocket(base + '/echo', p)));
    T('protocols string with space', errorOf(() => new WebSocket(base + '/echo', 'a b')));
  });

  test('restricted ports', () => {
    const candidates = [1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
      103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514,
      515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
      3659, 4045, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080];
    const refused = [];
    for (const port of candidates) {
      try {
        new WebSocket('ws://127.0.0.1:' + port + '/').close();
      } catch (e) {
        refused.push(e.name === 'SecurityError' ? port : port + ':' + e.name);
      }
    }
    T('restricted ports refused', refused);
    T('restricted port message', errorOf(() => new WebSocket('ws://127.0.0.1:6667/')));
  });

  test('url attribute', () => {
    const urls = [base + '/a/../echo?x=1&y', 'WS://127.0.0.1:' + location.port + '/echo', 'ws://127.0.0.1:80/p', 'wss://127.0.0.1:443/p', base, base + '/path?', 'ws://user:pw@127.0.0.1:' + location.port + '/echo'];
    const seen = [];
    for (const u of urls) {
      const ws = new WebSocket(u);
      seen.push(ws.url);
      ws.close();
    }
    T('urls', seen);
  });

  test('protocols argument conversions', () => {
    const seen = [];
    for (const p of [undefined, 'chat', [], ['x', 'y'], null, 5]) {
      let r;
      try {
        const ws = new WebSocket(base + '/echo', p);
        r = ws.protocol;
        ws.close();
      } catch (e) {
        r = e.name;
      }
      seen.push(r);
    }
    T('protocol before open', seen);
  });

  // ---- A socket's life -----------------------------------------------------------------------
  test('initial state', () => {
    const ws = new WebSocket(base + '/echo');
    T('initial', [ws.readyState, ws.binaryType, ws.protocol, ws.extensions, ws.bufferedAmount, ws.onopen, ws.onmessage]);
    T('own properties', Object.keys(ws).filter((n) => n !== 'qtws'));
    T('instance', [ws instanceof WebSocket, ws instanceof EventTarget, Object.prototype.toString.call(ws), String(ws)]);
    T('send while connecting', errorOf(() => ws.send('x')));
    T('send binary while connecting', errorOf(() => ws.send(new ArrayBuffer(1))));
    ws.close();
    T('after close while connecting', ws.readyState);
  });

  test('close while connecting', async () => {
    const ws = new WebSocket(base + '/echo');
    const w = watch(ws);
    ws.close(1000, 'never mind');
    T('readyState right after close()', ws.readyState);
    T('close while connecting events', await w.closed);
  });

  test('echo text', async () => {
    const ws = new WebSocket(base + '/echo');
    const w = watch(ws);
    await next(ws, 'open');
    ws.send('hello');
    T('bufferedAmount after send', ws.bufferedAmount);
    ws.send('héllo ☃ 😀');
    T('bufferedAmount counts UTF-8', ws.bufferedAmount);
    ws.send('\uD800x');
    T('bufferedAmount lone surrogate', ws.bufferedAmount);
    ws.send('');
    ws.send(42);
    ws.send(null);
    ws.send({});
    for (let i = 0; i < 7; ++i) await next(ws, 'message');
    ws.close(1000, 'done');
    T('readyState after close()', ws.readyState);
    ws.close(1000, 'again');
    T('echo text events', await w.closed);
    T('bufferedAmount at the end', ws.bufferedAmount);
  });

  test('echo binary arraybuffer', async () => {
    const ws = new WebSocket(base + '/echo');
    ws.binaryType = 'arraybuffer';
    const w = watch(ws);
    await next(ws, 'open');
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; ++i) all[i] = i;
    ws.send(all.buffer);
    ws.send(new Uint8Array(all.buffer, 2, 3));
    ws.send(new Float32Array([1.5, -2]));
    ws.send(new DataView(all.buffer, 250, 6));
    ws.send(new Uint16Array([0xffff, 1]).subarray(1));
    ws.send(new ArrayBuffer(0));
    T('bufferedAmount after binary sends', ws.bufferedAmount);
    for (let i = 0; i < 6; ++i) await next(ws, 'message');
    ws.close(3000, 'binary done');
    T('echo binary events', await w.closed);
  });

  test('echo binary blob', async () => {
    const ws = new WebSocket(base + '/echo');
    const w = watch(ws);
    const blobs = [];
    ws.addEventListener('message', (e) => blobs.push(e.data));
    await next(ws, 'open');
    ws.send(new Uint8Array([1, 2, 3, 250]));
    ws.send(new Blob(['ab', new Uint8Array([0, 255])], { type: 'text/plain' }));
    T('bufferedAmount after blob send', ws.bufferedAmount);
    ws.send('between');
    ws.send(new Blob([]));
    for (let i = 0; i < 4; ++i) await next(ws, 'message');
    const contents = [];
    for (const b of blobs) contents.push(b instanceof Blob ? [b.size, b.type, hex(await b.arrayBuffer())] : b);
    T('blob contents', contents);
    ws.binaryType = 'arraybuffer';
    ws.send(new Uint8Array([9]));
    await next(ws, 'message');
    ws.binaryType = 'nonsense';
    T('binaryType after invalid value', ws.binaryType);
    ws.close(4999);
    T('echo blob events', await w.closed);
  });

  test('large messages', async () => {
    const ws = new WebSocket(base + '/echo');
    ws.binaryType = 'arraybuffer';
    await next(ws, 'open');
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; ++i) big[i] = (i * 7 + (i >> 8)) & 0xff;
    const got = [];
    ws.addEventListener('message', (e) => got.push(describeData(e.data)));
    ws.send(big);
    ws.send('x'.repeat(300000) + 'é');
    const blob = new Blob([big.subarray(0, 200000)]);
    ws.send(blob);
    T('bufferedAmount large', ws.bufferedAmount);
    while (got.length < 3) await next(ws, 'message');
    T('large echoes', got);
    T('sent checksum', checksum(big));
    ws.close();
    await next(ws, 'close');
  });

  test('server messages before close()', async () => {
    const ws = new WebSocket(base + '/send?n=3&size=5');
    const w = watch(ws);
    ws.onopen = () => ws.close(1000);
    T('no message after close()', await w.closed);
  });

  test('server sends', async () => {
    const ws = new WebSocket(base + '/send?n=4&size=3&binary=1');
    ws.binaryType = 'arraybuffer';
    const w = watch(ws);
    for (let i = 0; i < 4; ++i) await next(ws, 'message');
    ws.close(1000);
    T('server sends events', await w.closed);
  });

  test('close codes', async () => {
    const ws = new WebSocket(base + '/echo');
    await next(ws, 'open');
    const cases = [999, 1001, 1005, 2999, 5000, 0, 65535, 66536, 1000.7, 3000.5, '1000', NaN, -1];
    const results = [];
    for (const code of cases) results.push(errorOf(() => ws.close(code, 'x'.repeat(200))).split(':')[0] + '/' + errorOf(() => ws.close(code, 'é'.repeat(62))));
    T('close codes', results);
    T('reason too long', errorOf(() => ws.close(1000, 'x'.repeat(124))));
    T('reason unicode too long', errorOf(() => ws.close(3000, 'é'.repeat(62))));
    T('still open after invalid close()', ws.readyState);
    const w = watch(ws);
    ws.close(3001, 'x'.repeat(123));
    T('close 3001 events', await w.closed);
    T('invalid code on a closed socket', errorOf(() => ws.close(1)));
    T('valid code on a closed socket', errorOf(() => ws.close(1000)));
  });

  test('close without code', async () => {
    const ws = new WebSocket(base + '/echo');
    await next(ws, 'open');
    ws.close();
    const e = await next(ws, 'close');
    T('close() code', [e.code, e.reason, e.wasClean]);
  });

  test('close with code only', async () => {
    const ws = new WebSocket(base + '/echo');
    await next(ws, 'open');
    const w = watch(ws);
    ws.close(1000);
    T('close(1000) events', await w.closed);
  });

  test('server closes', async () => {
    for (const q of ['?code=4001&reason=server%20bye', '?code=1000', '?code=1001&reason=away', '?code=1011&reason=' + encodeURIComponent('é☃'), '']) {
      const ws = new WebSocket(base + '/close' + q);
      T('server close ' + q, await watch(ws).closed);
    }
  });

  test('failures', async () => {
    T('dropped connection', await watch(new WebSocket(base + '/drop')).closed);
    T('refused connection', await watch(new WebSocket('ws://127.0.0.1:' + closedPort + '/')).closed);
    T('rejected handshake', await watch(new WebSocket(base + '/reject')).closed);
    T('unknown host', await watch(new WebSocket('ws://qtws-bridge-test.invalid/')).closed);
    // The peer listens on a port Chromium restricts: the connection must never reach it.
    T('restricted port', await watch(new WebSocket('ws://127.0.0.1:' + restrictedPort + '/echo')).closed);
  });

  test('subprotocols', async () => {
    let ws = new WebSocket(base + '/proto', ['chat', 'superchat']);
    await next(ws, 'open');
    T('selected protocol', [ws.protocol, ws.extensions]);
    ws.close();
    await next(ws, 'close');
    ws = new WebSocket(base + '/proto', 'single');
    await next(ws, 'open');
    T('selected single protocol', ws.protocol);
    ws.close();
    await next(ws, 'close');
    T('server selected none', await watch(new WebSocket(base + '/noproto', ['chat'])).closed);
  });

  test('send after close', async () => {
    const ws = new WebSocket(base + '/echo');
    await next(ws, 'open');
    ws.send('abc');
    await next(ws, 'message');
    ws.close();
    T('buffered at close()', ws.bufferedAmount);
    ws.send('abcd');
    ws.send(new Uint8Array(10));
    T('send while closing', [ws.readyState, ws.bufferedAmount]);
    await next(ws, 'close');
    ws.send('xy');
    T('send after closed', [ws.readyState, ws.bufferedAmount]);
  });

  test('bufferedAmount drains', async () => {
    const ws = new WebSocket(base + '/echo');
    ws.binaryType = 'arraybuffer';
    await next(ws, 'open');
    ws.send(new Uint8Array(300000));
    T('buffered before drain', ws.bufferedAmount);
    await next(ws, 'message');
    for (let i = 0; i < 200 && ws.bufferedAmount !== 0; ++i) await new Promise((r) => setTimeout(r, 10));
    T('buffered after echo', ws.bufferedAmount);
    ws.close();
    await next(ws, 'close');
  });

  test('stalled peer', async () => {
    const ws = new WebSocket(base + '/stall');
    await next(ws, 'message');
    for (let i = 0; i < 4; ++i) ws.send(new Uint8Array(1 << 20));
    T('buffered with stalled peer', ws.bufferedAmount);
    const w = watch(ws);
    ws.close(1000);
    T('closing with data buffered', ws.readyState);
    ws.close(1000);
    // The peer never reads: the close handshake cannot finish; the page gives up with a fresh socket.
    w.closed.then(() => {});
  });

  test('listeners', async () => {
    const ws = new WebSocket(base + '/echo');
    const calls = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    const h1 = () => calls.push('on1');
    const h2 = () => calls.push('on2');
    ws.onmessage = h1;
    ws.addEventListener('message', a);
    ws.addEventListener('message', a);
    ws.addEventListener('message', b);
    ws.addEventListener('message', { handleEvent: () => calls.push('object') });
    ws.addEventListener('message', () => calls.push('once'), { once: true });
    ws.onmessage = h2; // keeps the handler's place
    await next(ws, 'open');
    ws.send('1');
    await next(ws, 'message');
    calls.push('|');
    ws.removeEventListener('message', a);
    ws.onmessage = null;
    ws.onmessage = h1; // now last
    ws.send('2');
    await next(ws, 'message');
    T('listener order', calls);
    T('handler identity', ws.onmessage === h1);
    ws.onopen = 'string';
    const kept = [];
    ws.onerror = 5;
    kept.push(ws.onopen, ws.onerror);
    const obj = {};
    ws.onclose = obj;
    kept.push(ws.onclose === obj);
    ws.onclose = undefined;
    kept.push(ws.onclose);
    ws.onclose = () => {};
    ws.onclose = false;
    kept.push(ws.onclose);
    T('handlers set to non-functions', kept);
    const stop = [];
    let stopped;
    const third = new Promise((r) => (stopped = r));
    ws.onmessage = null;
    ws.addEventListener('message', (e) => { stop.push('first'); e.stopImmediatePropagation(); stopped(); });
    ws.addEventListener('message', () => stop.push('second'));
    ws.send('3');
    await third;
    await new Promise((r) => setTimeout(r, 0));
    T('stopImmediatePropagation', stop);
    ws.close();
    await new Promise((r) => { ws.onclose = r; });
  });

  test('dispatchEvent', () => {
    const ws = new WebSocket(base + '/echo');
    const seen = [];
    ws.onopen = (e) => seen.push(['handler', e.type, ws.readyState]);
    ws.addEventListener('open', (e) => seen.push(['listener', e instanceof Event]));
    const result = ws.dispatchEvent(new Event('open'));
    seen.push(result);
    ws.dispatchEvent(new CloseEvent('close', { code: 4321, reason: 'synthetic', wasClean: true }));
    seen.push(ws.readyState);
    T('synthetic events', seen);
    ws.onopen = null;
    ws.close();
  });

  test('microtasks between events', async () => {
    const ws = new WebSocket(base + '/send?n=3&size=2');
    const order = [];
    ws.onmessage = (e) => {
      order.push('message ' + e.data);
      Promise.resolve().then(() => order.push('microtask after ' + e.data));
    };
    await new Promise((r) => ws.addEventListener('message', () => order.length >= 5 && r()));
    await new Promise((r) => setTimeout(r, 0));
    T('microtask order', order);
    ws.close();
  });

  test('many sockets', async () => {
    const results = [];
    const all = [];
    for (let i = 0; i < 12; ++i) {
      const ws = new WebSocket(base + '/echo');
      all.push(
        new Promise((resolve) => {
          ws.onopen = () => ws.send('n' + i);
          ws.onmessage = (e) => {
            results[i] = e.data;
            ws.close(1000);
          };
          ws.onclose = (e) => resolve(e.code);
        })
      );
    }
    T('many sockets codes', await Promise.all(all));
    T('many sockets data', results);
  });

  test('garbage collected while open', async () => {
    const got = [];
    await new Promise((resolve) => {
      (function () {
        const ws = new WebSocket(base + '/echo');
        ws.onopen = function () {
          this.send('still here');
        };
        ws.onmessage = function (e) {
          got.push(e.data);
          this.close(1000);
        };
        ws.onclose = function (e) {
          got.push(e.code);
          resolve();
        };
      })();
      if (typeof gc === 'function') gc();
      setTimeout(() => typeof gc === 'function' && gc(), 0);
    });
    T('unreferenced socket kept alive', got);
    T('gc() was available', typeof gc);
  });

  test('origin and cookies', async () => {
    document.cookie = 'qtwspage=' + params.get('run') + '; path=/';
    let ws = new WebSocket(base + '/headers');
    const e = await next(ws, 'message');
    const h = JSON.parse(e.data);
    T('Origin header is the page origin', h.origin === location.origin);
    T('Cookie header has the page cookie', (h.cookie || '').split('; ').includes('qtwspage=' + params.get('run')));
    ws.close();
    await next(ws, 'close');
    ws = new WebSocket(base + '/setcookie?v=' + params.get('run'));
    await next(ws, 'message');
    T('Set-Cookie from the handshake stored', document.cookie.split('; ').includes('qtwsws=' + params.get('run')));
    ws.close();
    await next(ws, 'close');
    ws = new WebSocket(base + '/headers');
    const h2 = JSON.parse((await next(ws, 'message')).data);
    T('stored cookie sent back', (h2.cookie || '').split('; ').includes('qtwsws=' + params.get('run')));
    ws.close();
    await next(ws, 'close');
  });

  async function run() {
    for (const [name, fn] of tests) {
      if (only && name.indexOf(only) < 0) continue;
      try {
        await timeout(Promise.resolve().then(fn), 20000, name);
      } catch (e) {
        T(name + ' failed', String(e));
      }
    }
    window.conformanceTrace = trace;
    window.conformanceImplementation = WebSocket.qtws ? 'qtws ' + WebSocket.qtws.version : 'native';
    document.title = 'done';
  }
  window.addEventListener('load', () => setTimeout(run, 0));
})();
