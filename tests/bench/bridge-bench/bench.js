// SPDX-License-Identifier: LGPL-3.0-or-later
// The web bridge benchmark page: the same scenarios with Qt WebEngine's own WebSocket and with
// QtWs.WebSocket (the bridge, not replacing window.WebSocket), interleaved round by round against
// one echo server. The page is cross-origin isolated (COOP/COEP) so that performance.now() has
// 5 us resolution instead of 100 us. Results go to window.benchResults, then the title is "done".
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const echo = params.get('echo');
  const rounds = Number(params.get('rounds') || 3);
  const only = params.get('only');
  const NativeWebSocket = window.WebSocket;

  function open(Impl, path) {
    return new Promise((resolve, reject) => {
      const ws = new Impl(path ? echo.replace(/\/echo$/, path) : echo);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error('connection failed'));
    });
  }
  function close(ws) {
    return new Promise((resolve) => {
      ws.onclose = resolve;
      ws.close(1000);
    });
  }
  // `total` messages of `size` bytes echoed with `inFlight` outstanding; returns msgs/s and MB/s
  // (payload bytes echoed back per second, one direction counted).
  async function flow(Impl, size, total, inFlight, text) {
    const ws = await open(Impl);
    const payload = text ? 'x'.repeat(size) : new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
    let sent = 0;
    let received = 0;
    const t0 = performance.now();
    await new Promise((resolve) => {
      ws.onmessage = () => {
        if (++received === total) return resolve();
        if (sent < total) {
          ws.send(payload);
          ++sent;
        }
      };
      for (; sent < Math.min(inFlight, total); ++sent) ws.send(payload);
    });
    const seconds = (performance.now() - t0) / 1000;
    await close(ws);
    return { msgs: total / seconds, mbps: (total * size) / seconds / 1e6 };
  }
  // One direction only: `upload` sends size-byte messages answered by one byte each;
  // `download` asks with one byte for `perAsk` messages of size bytes each.
  async function oneWay(Impl, size, total, inFlight, upload) {
    const perAsk = upload ? 1 : 16;
    const ws = await open(Impl, upload ? '/burst?n=1&size=1' : '/burst?n=' + perAsk + '&size=' + size);
    const payload = new Uint8Array(upload ? size : 1);
    const asks = upload ? total : Math.ceil(total / perAsk);
    let sent = 0;
    let received = 0;
    const t0 = performance.now();
    await new Promise((resolve) => {
      ws.onmessage = () => {
        if (++received === asks * perAsk) return resolve();
        if (received % perAsk === 0 && sent < asks) {
          ws.send(payload);
          ++sent;
        }
      };
      for (; sent < Math.min(inFlight, asks); ++sent) ws.send(payload);
    });
    const seconds = (performance.now() - t0) / 1000;
    await close(ws);
    return { msgs: (asks * perAsk) / seconds, mbps: (asks * perAsk * size) / seconds / 1e6 };
  }
  async function roundTrip(Impl, size, count) {
    const ws = await open(Impl);
    const payload = new Uint8Array(size);
    const samples = [];
    for (let i = 0; i < count; ++i) {
      const t0 = performance.now();
      await new Promise((resolve) => {
        ws.onmessage = resolve;
        ws.send(payload);
      });
      samples.push((performance.now() - t0) * 1000);
    }
    await close(ws);
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(count * 0.5)], p99: samples[Math.floor(count * 0.99)] };
  }
  const scenarios = [
    ['32 B binary x64', (I) => flow(I, 32, 20000, 64, false)],
    ['32 B text x64', (I) => flow(I, 32, 20000, 64, true)],
    ['64 KiB binary x8', (I) => flow(I, 65536, 1024, 8, false)],
    ['1 MiB binary x4', (I) => flow(I, 1 << 20, 96, 4, false)],
    ['64 KiB upload x8', (I) => oneWay(I, 65536, 1024, 8, true)],
    ['64 KiB download', (I) => oneWay(I, 65536, 1024, 2, false)],
    ['32 B round trip', (I) => roundTrip(I, 32, 2000)],
    ['64 KiB round trip', (I) => roundTrip(I, 65536, 300)],
  ];
  async function run() {
    const results = [];
    const impls = [['native', NativeWebSocket], ['bridge', QtWs.WebSocket]];
    for (let r = 0; r < rounds; ++r) {
      for (const [name, scenario] of scenarios) {
        if (only && name.indexOf(only) < 0) continue;
        // Interleaved, and the order alternates between rounds.
        const order = r % 2 ? [impls[1], impls[0]] : impls;
        for (const [impl, Impl] of order) {
          try {
            results.push(Object.assign({ round: r, scenario: name, impl: impl }, await scenario(Impl)));
          } catch (e) {
            results.push({ round: r, scenario: name, impl: impl, error: String(e) });
          }
        }
      }
    }
    window.benchResults = results;
    document.title = 'done';
  }
  window.addEventListener('load', () => setTimeout(run, 0));
})();
