// SPDX-License-Identifier: LGPL-3.0-or-later
// The page side of QtWs::WebBridge: a WHATWG WebSocket whose connections are made by QtWs::WebSocket
// in C++. WebBridge injects this file at DocumentCreation into the main world of every frame,
// inside a closure that also holds Qt's qwebchannel.js, and calls qtwsBridge(config, QWebChannel).
// The reference for every behaviour is Qt WebEngine 6.4's own WebSocket (Chromium 102,
// third_party/blink/renderer/modules/websockets/dom_websocket.cc); tests/browser/pages/conformance.js
// compares the two. Deliberate differences are listed in docs/bridge.md.
//
// config: { allowedOrigins: [...], replace: bool, version: "x.y.z", restrictedPorts: [...],
//           pullName: "<random property name>", inlineLimit: bytes, schemeAvailable: bool }
function qtwsBridge(config, QWebChannel) {
  'use strict';

  // Everything the facade relies on is captured before any page script runs, so that a page that
  // replaces globals cannot change how the facade behaves.
  const g = self;
  const EventTargetCtor = g.EventTarget;
  const addListener = EventTargetCtor.prototype.addEventListener;
  const removeListener = EventTargetCtor.prototype.removeEventListener;
  const dispatch = EventTargetCtor.prototype.dispatchEvent;
  const EventCtor = g.Event;
  const MessageEventCtor = g.MessageEvent;
  const CloseEventCtor = g.CloseEvent;
  const DOMExceptionCtor = g.DOMException;
  const BlobCtor = g.Blob;
  const URLCtor = g.URL;
  const MessageChannelCtor = g.MessageChannel;
  const XHR = g.XMLHttpRequest;
  const blobArrayBuffer = BlobCtor.prototype.arrayBuffer;
  const atobFn = g.atob.bind(g);
  const btoaFn = g.btoa.bind(g);
  const fromCharCode = String.fromCharCode;
  const consoleError = g.console.error.bind(g.console);
  const consoleWarn = g.console.warn.bind(g.console);
  const queueMicrotaskFn = g.queueMicrotask.bind(g);
  const ROUTE = Symbol.for('qtws.bridge.route');

  // ---- The channel transport: hidden from page scripts in every frame -------------------------
  // Qt WebEngine looks qt.webChannelTransport.onmessage up on every message, so a frozen stand-in
  // keeps receiving working while page scripts can neither send on the channel nor hijack it.
  let channelTransport = null;
  if (g === g.top && g.qt && g.qt.webChannelTransport) {
    const real = g.qt.webChannelTransport;
    const send = real.send.bind(real);
    channelTransport = { send: send, onmessage: null };
    const stand = Object.freeze({
      onmessage: function (message) {
        if (channelTransport.onmessage) channelTransport.onmessage(message);
      },
    });
    Object.defineProperty(g, 'qt', { value: Object.freeze({ webChannelTransport: stand }), configurable: false, enumerable: false, writable: false });
  }

  const origin = g.origin;
  if (config.allowedOrigins.indexOf(origin) < 0) return; // foreign frames get nothing

  const CONNECTING = 0;
  const OPEN = 1;
  const CLOSING = 2;
  const CLOSED = 3;

  // ---- Helpers --------------------------------------------------------------------------------
  function domError(operation, message, name) {
    return new DOMExceptionCtor(operation + message, name);
  }
  const CONSTRUCT = "Failed to construct 'WebSocket': ";
  const SEND = "Failed to execute 'send' on 'WebSocket': ";
  const CLOSE = "Failed to execute 'close' on 'WebSocket': ";

  // WebIDL USVString: lone surrogates become U+FFFD.
  function toUSVString(s) {
    s = String(s);
    if (!/[\uD800-\uDFFF]/.test(s)) return s;
    let out = '';
    for (let i = 0; i < s.length; ++i) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          out += s[i] + s[i + 1];
          ++i;
          continue;
        }
      }
      out += c >= 0xd800 && c <= 0xdfff ? '\uFFFD' : s[i];
    }
    return out;
  }
  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; ++i) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        n += 4;
        ++i;
      } else n += 3;
    }
    return n;
  }
  // [Clamp] unsigned short as Chromium 102 converts it: NaN is 0, out of range values clamp,
  // fractions are cut off (not rounded).
  function clampUnsignedShort(v) {
    const x = Number(v);
    if (Number.isNaN(x)) return 0;
    return Math.trunc(Math.min(Math.max(x, 0), 65535));
  }
  // RFC 6455 §4.1 / RFC 7230 §3.2.6: a subprotocol is a token.
  function isToken(s) {
    if (s.length === 0) return false;
    for (let i = 0; i < s.length; ++i) {
      const c = s.charCodeAt(i);
      if (c < 0x21 || c > 0x7e || '()<>@,;:\\"/[]?={}'.indexOf(s[i]) >= 0) return false;
    }
    return true;
  }
  // How Chromium prints a subprotocol in an exception (EncodeSubprotocolString).
  function printable(s) {
    let out = '';
    for (let i = 0; i < s.length; ++i) {
      const c = s.charCodeAt(i);
      out += c >= 0x20 && c <= 0x7e ? s[i] : '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    }
    return out;
  }
  function isLoopbackHost(host) {
    host = host.toLowerCase();
    return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
  }
  function bytesToBase64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoaFn(s);
  }
  function base64ToBuffer(b64) {
    const s = atobFn(b64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; ++i) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  }
  const tag = (x) => Object.prototype.toString.call(x);

  // ---- Event tasks ----------------------------------------------------------------------------
  // Chromium dispatches each WebSocket event from C++, so the page's microtasks run after every
  // listener. A script cannot dispatch from an empty stack; one task per event is the closest:
  // microtasks queued by one event's listeners run before the next event.
  const queue = [];
  let posted = false;
  let running = false; // an event is being dispatched
  let delivering = false; // a batch from C++ is being queued
  let flushing = null; // the route whose outgoing operations wait for the end of the event run
  const tasks = new MessageChannelCtor();
  function kick() {
    if (!posted && !delivering && queue.length && queue[0].ready) {
      posted = true;
      tasks.port2.postMessage(null);
    }
  }
  function runOne() {
    const item = queue.shift();
    running = true;
    try {
      item.fn();
    } finally {
      running = false;
      kick();
      if (!posted && flushing) {
        // The events queued so far are dispatched: what their listeners sent leaves as one batch.
        const r = flushing;
        flushing = null;
        r.flush();
      }
    }
  }
  tasks.port1.onmessage = function () {
    posted = false;
    if (queue.length && queue[0].ready) runOne();
  };
  // A batch from C++ arrives in a task of its own (the channel's message): its first event is
  // dispatched right there, the others each in a task of their own.
  function deliverBatch(fn) {
    delivering = true;
    try {
      fn();
    } finally {
      delivering = false;
    }
    if (!posted && !running && queue.length && queue[0].ready) runOne();
    else kick();
  }
  function enqueue(fn, ready) {
    const item = { fn: fn, ready: ready !== false };
    queue.push(item);
    kick();
    return item;
  }
  function fire(ws, event) {
    dispatch.call(ws, event);
  }

  // ---- Routes to C++ --------------------------------------------------------------------------
  // The top frame talks to its BridgeHost over the web channel; same-origin subframes reach it
  // through the top frame's route (Qt WebEngine 6.4 gives the transport to the main frame only).
  function ChannelRoute() {
    const route = this;
    const doc = crypto.getRandomValues(new Uint32Array(1))[0] >>> 0;
    const sockets = new Map();
    const stash = new Map();
    let ops = [['hello', doc]];
    let host = null;
    let nextId = 1;
    let nextSerial = 1;
    let flushPosted = false;
    this.flush = function () {
      if (!host || !ops.length) return;
      const batch = ops;
      ops = [];
      host.post(batch);
    };
    function post(op) {
      ops.push(op);
      if (!host) return;
      if (running) {
        flushing = route; // inside an event run: one batch at its end
      } else if (!flushPosted) {
        // Everything the page sends in this task leaves as one batch, right after it.
        flushPosted = true;
        queueMicrotaskFn(function () {
          flushPosted = false;
          route.flush();
        });
      }
    }
    this.open = function (client, url, protocols) {
      const id = nextId++;
      sockets.set(id, client);
      post(['open', doc, id, url, protocols, client.origin]);
      return id;
    };
    this.send = function (id, data) {
      if (typeof data === 'string') {
        post(['text', doc, id, data]);
      } else if (data.byteLength >= config.inlineLimit) {
        // Large binary sends are read by C++ with runJavaScript(): an ArrayBuffer crosses the
        // process boundary as bytes, with no base64 and no JSON.
        const serial = nextSerial++;
        stash.set(serial, data.buffer);
        post(['pull', doc, id, serial]);
      } else {
        post(['binary', doc, id, bytesToBase64(data)]);
      }
    };
    this.close = function (id, code, reason, wasConnecting) {
      post(['close', doc, id, code, reason, wasConnecting]);
    };
    this.forget = function (id) {
      sockets.delete(id);
    };
    this.drop = function (id) {
      if (sockets.delete(id)) post(['drop', doc, id]);
    };
    const resolves = new Map();
    let nextResolve = 1;
    this.resolveProxy = function (url, callback) {
      const id = nextResolve++;
      resolves.set(id, callback);
      post(['resolve', doc, id, url]);
    };
    // Large received messages of one batch arrive as one resource of the bridge's URL scheme,
    // fetched once as an ArrayBuffer (no base64); each event names its slice.
    function fetchBulk(url) {
      const bulk = { buffer: null, waiters: [] };
      const xhr = new XHR();
      xhr.open('GET', url);
      xhr.responseType = 'arraybuffer';
      xhr.onloadend = function () {
        // Custom schemes answer without an HTTP status; a refused fetch has no response.
        bulk.buffer = tag(xhr.response) === '[object ArrayBuffer]' ? xhr.response : null;
        if (!bulk.buffer) consoleError('qtws: received messages could not be fetched from the bridge');
        const waiters = bulk.waiters;
        bulk.waiters = null;
        waiters.forEach(function (w) {
          w(bulk.buffer);
        });
      };
      xhr.send();
      return bulk;
    }
    function onEvents(batch) {
      deliverBatch(function () {
        queueBatch(batch);
      });
    }
    function queueBatch(batch) {
      let bulk = null;
      for (let i = 0; i < batch.length; ++i) {
        const ev = batch[i];
        if (ev[0] === 'bulk') {
          bulk = fetchBulk(ev[1]);
          continue;
        }
        if (ev[0] === 'binary' && typeof ev[3] === 'object') ev[3].bulk = bulk;
        if (ev[1] !== doc) continue;
        if (ev[0] === 'resolved') {
          const cb = resolves.get(ev[2]);
          resolves.delete(ev[2]);
          if (cb) cb(ev[3]);
          continue;
        }
        const client = sockets.get(ev[2]);
        if (client) client.deliver(ev);
      }
    }
    Object.defineProperty(g, config.pullName, {
      value: Object.freeze({
        take: function (serials) {
          return serials.map(function (s) {
            const b = stash.get(s);
            stash.delete(s);
            return b || null;
          });
        },
      }),
      enumerable: false,
      configurable: false,
      writable: false,
    });
    g.addEventListener('pagehide', function (e) {
      if (e.persisted) return;
      ops.push(['bye', doc]);
      route.flush();
    });
    new QWebChannel(channelTransport, function (channel) {
      host = channel.objects.qtwsBridge;
      if (!host) return;
      host.events.connect(onEvents);
      route.flush();
    });
  }

  // Used where no channel can be reached: every connection fails as a refused one would, so that
  // no connection is ever handed to the native WebSocket.
  function NullRoute() {
    this.open = function (client) {
      setTimeout(function () {
        client.deliver(['error', 0, 0]);
        client.deliver(['close', 0, 0, 1006, '', false]);
      }, 0);
      return 0;
    };
    this.send = this.close = this.forget = this.drop = function () {};
    this.resolveProxy = function (url, callback) {
      setTimeout(function () {
        callback({ error: 'NoBridge', errorString: 'the bridge is not attached to this page' });
      }, 0);
    };
  }

  let route = null;
  if (channelTransport) {
    route = new ChannelRoute();
    Object.defineProperty(g, ROUTE, { value: route, enumerable: false, configurable: false, writable: false });
  } else if (g !== g.top) {
    try {
      if (g.top.origin === origin && g.top[ROUTE]) route = g.top[ROUTE];
    } catch (e) {
      route = null; // cross-origin top: no route
    }
  }
  if (!route) route = new NullRoute();

  // ---- The WebSocket class --------------------------------------------------------------------
  const internals = new WeakMap();
  function priv(ws) {
    const p = internals.get(ws);
    if (!p) throw new TypeError('Illegal invocation');
    return p;
  }
  const frameSockets = new Set();
  g.addEventListener('pagehide', function (e) {
    if (e.persisted || g === g.top) return;
    frameSockets.forEach(function (p) {
      route.drop(p.id);
    });
  });

  function parseUrl(url) {
    let parsed;
    try {
      // Chromium 102 parses the URL on its own: relative URLs are invalid, not resolved.
      parsed = new URLCtor(url);
    } catch (e) {
      throw domError(CONSTRUCT, "The URL '" + url + "' is invalid.", 'SyntaxError');
    }
    const scheme = parsed.protocol.slice(0, -1);
    if (scheme !== 'ws' && scheme !== 'wss')
      throw domError(CONSTRUCT, "The URL's scheme must be either 'ws' or 'wss'. '" + scheme + "' is not allowed.", 'SyntaxError');
    if (parsed.hash || url.indexOf('#') >= 0)
      throw domError(CONSTRUCT, "The URL contains a fragment identifier ('" + parsed.hash.slice(1) + "'). Fragment identifiers are not allowed in WebSocket URLs.", 'SyntaxError');
    // Restricted ports throw nothing in Qt WebEngine 6.4: the connection fails (in C++ here).
    if (scheme === 'ws' && (g.location.protocol === 'https:') && !isLoopbackHost(parsed.hostname))
      throw domError(CONSTRUCT, 'An insecure WebSocket connection may not be initiated from a page loaded over HTTPS.', 'SecurityError');
    return parsed;
  }
  function parseProtocols(protocols) {
    let list = [];
    if (protocols === undefined) list = [];
    else if (protocols !== null && typeof protocols === 'object' && typeof protocols[Symbol.iterator] === 'function') {
      for (const p of protocols) list.push(toUSVString(String(p)));
    } else list = [toUSVString(String(protocols))];
    for (const p of list) if (!isToken(p)) throw domError(CONSTRUCT, "The subprotocol '" + printable(p) + "' is invalid.", 'SyntaxError');
    const seen = new Set();
    for (const p of list) {
      if (seen.has(p)) throw domError(CONSTRUCT, "The subprotocol '" + printable(p) + "' is duplicated.", 'SyntaxError');
      seen.add(p);
    }
    return list;
  }

  const WebSocket = function WebSocket(url) {
    if (!new.target) throw new TypeError("Failed to construct 'WebSocket': Please use the 'new' operator, this DOM object constructor cannot be called as a function.");
    if (arguments.length < 1) throw new TypeError(CONSTRUCT + '1 argument required, but only 0 present.');
    const ws = Reflect.construct(EventTargetCtor, [], new.target);
    const parsed = parseUrl(toUSVString(url));
    const protocols = parseProtocols(arguments[1]);
    const p = {
      ws: ws,
      id: 0,
      state: CONNECTING,
      url: parsed.href,
      origin: parsed.protocol + '//' + parsed.host,
      protocol: '',
      extensions: '',
      binaryType: 'blob',
      buffered: 0,
      afterClose: 0,
      handlers: Object.create(null),
      out: [], // sends waiting behind a Blob being read
      info: null,
    };
    internals.set(ws, p);
    frameSockets.add(p);
    const client = {
      origin: origin,
      deliver: function (ev) {
        deliver(p, ev);
      },
    };
    p.id = route.open(client, p.url, protocols);
    return ws;
  };

  function messageData(p, bytes) {
    return p.binaryType === 'arraybuffer' ? bytes : new BlobCtor([bytes]);
  }
  function deliver(p, ev) {
    const ws = p.ws;
    switch (ev[0]) {
      case 'open':
        enqueue(function () {
          if (p.state !== CONNECTING) return;
          p.state = OPEN;
          p.protocol = ev[3];
          p.extensions = ev[4];
          p.info = Object.freeze(ev[5] || {});
          fire(ws, new EventCtor('open'));
        });
        break;
      case 'text':
        enqueue(function () {
          if (p.state !== OPEN) return;
          fire(ws, new MessageEventCtor('message', { data: ev[3], origin: p.origin }));
        });
        break;
      case 'binary': {
        const payload = ev[3];
        if (typeof payload === 'string') {
          enqueue(function () {
            if (p.state !== OPEN) return;
            fire(ws, new MessageEventCtor('message', { data: messageData(p, base64ToBuffer(payload)), origin: p.origin }));
          });
          break;
        }
        // A large message: a slice of the batch's bulk resource, copied into this frame's realm.
        let bytes = null;
        const item = enqueue(function () {
          if (p.state !== OPEN || !bytes) return;
          fire(ws, new MessageEventCtor('message', { data: messageData(p, bytes), origin: p.origin }));
        }, false);
        const take = function (buffer) {
          if (buffer && payload.o + payload.n <= buffer.byteLength) {
            const copy = new Uint8Array(payload.n);
            copy.set(new Uint8Array(buffer, payload.o, payload.n));
            bytes = copy.buffer;
          }
          item.ready = true;
          kick();
        };
        if (!payload.bulk) take(null);
        else if (payload.bulk.waiters) payload.bulk.waiters.push(take);
        else take(payload.bulk.buffer);
        break;
      }
      case 'sent':
        enqueue(function () {
          p.buffered = Math.max(0, p.buffered - ev[3]);
        });
        break;
      case 'error':
        enqueue(function () {
          p.state = CLOSED;
          fire(ws, new EventCtor('error'));
        });
        break;
      case 'close':
        enqueue(function () {
          p.state = CLOSED;
          if (ev[6]) p.info = Object.freeze(ev[6]); // the final report, also after a failure
          route.forget(p.id);
          frameSockets.delete(p);
          fire(ws, new CloseEventCtor('close', { wasClean: ev[5], code: ev[3], reason: ev[4] }));
        });
        break;
    }
  }

  // Sends keep their order; a Blob is read asynchronously, so later sends wait behind it.
  function pump(p) {
    while (p.out.length) {
      const head = p.out[0];
      if (head.blob) {
        if (head.reading) return;
        head.reading = true;
        blobArrayBuffer.call(head.blob).then(
          function (buffer) {
            head.blob = null;
            head.data = new Uint8Array(buffer);
            pump(p);
          },
          function () {
            head.blob = null;
            head.data = new Uint8Array(0);
            pump(p);
          }
        );
        return;
      }
      p.out.shift();
      route.send(p.id, head.data);
    }
  }

  const members = {
    get url() {
      return priv(this).url;
    },
    get readyState() {
      return priv(this).state;
    },
    get bufferedAmount() {
      const p = priv(this);
      return p.buffered + p.afterClose;
    },
    get extensions() {
      return priv(this).extensions;
    },
    get protocol() {
      return priv(this).protocol;
    },
    get binaryType() {
      return priv(this).binaryType;
    },
    set binaryType(value) {
      const p = priv(this);
      value = String(value);
      if (value === 'blob' || value === 'arraybuffer') p.binaryType = value;
      else consoleWarn("The provided value '" + value + "' is not a valid enum value of type BinaryType.");
    },
    send(data) {
      const p = priv(this);
      if (arguments.length < 1) throw new TypeError(SEND + '1 argument required, but only 0 present.');
      let item;
      let size;
      const t = tag(data);
      if (t === '[object ArrayBuffer]') {
        item = { data: new Uint8Array(data.slice(0)) };
        size = data.byteLength;
      } else if (ArrayBuffer.isView(data)) {
        item = { data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
        size = data.byteLength;
      } else if (data instanceof BlobCtor || t === '[object Blob]' || t === '[object File]') {
        item = { blob: data };
        size = data.size;
      } else {
        const text = toUSVString(data);
        item = { data: text };
        size = utf8Length(text);
      }
      if (p.state === CONNECTING) throw domError(SEND, 'Still in CONNECTING state.', 'InvalidStateError');
      if (p.state === CLOSING || p.state === CLOSED) {
        p.afterClose += size;
        consoleError('WebSocket is already in CLOSING or CLOSED state.');
        return;
      }
      p.buffered += size;
      p.out.push(item);
      pump(p);
    },
    close() {
      const p = priv(this);
      const code = arguments[0];
      const reason = arguments[1];
      let c = -1;
      if (code !== undefined) {
        c = clampUnsignedShort(code);
        if (!(c === 1000 || (c >= 3000 && c <= 4999)))
          throw domError(CLOSE, 'The code must be either 1000, or between 3000 and 4999. ' + c + ' is neither.', 'InvalidAccessError');
      }
      let r = '';
      if (reason !== undefined) {
        r = toUSVString(reason);
        if (utf8Length(r) > 123) throw domError(CLOSE, 'The message must not be greater than 123 bytes.', 'SyntaxError');
      }
      if (p.state === CLOSING || p.state === CLOSED) return;
      const wasConnecting = p.state === CONNECTING;
      // Chromium fails a connecting socket at once: readyState is CLOSED before close() returns.
      p.state = wasConnecting ? CLOSED : CLOSING;
      p.out.length = 0;
      route.close(p.id, c, r, wasConnecting);
    },
  };

  // Event handler IDL attributes ([LegacyTreatNonObjectAsNull] EventHandler): a handler is one
  // listener that keeps its place among the others until it is set to null.
  function handlerAccessors(type) {
    return {
      get: function () {
        const h = priv(this).handlers[type];
        return h ? h.value : null;
      },
      set: function (value) {
        const p = priv(this);
        const v = (typeof value === 'object' && value !== null) || typeof value === 'function' ? value : null;
        let h = p.handlers[type];
        if (v === null) {
          if (h) removeListener.call(this, type, h.listener);
          p.handlers[type] = null;
          return;
        }
        if (h) {
          h.value = v;
          return;
        }
        h = { value: v, listener: null };
        h.listener = function (event) {
          if (typeof h.value === 'function') h.value.call(this, event);
        };
        p.handlers[type] = h;
        addListener.call(this, type, h.listener);
      },
    };
  }

  const proto = Object.create(EventTargetCtor.prototype);
  const constants = { CONNECTING: CONNECTING, OPEN: OPEN, CLOSING: CLOSING, CLOSED: CLOSED };
  for (const name of ['url', 'readyState', 'bufferedAmount', 'onopen', 'onerror', 'onclose', 'extensions', 'protocol', 'onmessage', 'binaryType', 'close', 'send']) {
    if (name.startsWith('on')) {
      const a = handlerAccessors(name.slice(2));
      const named = {
        get [name]() {
          return a.get.call(this);
        },
        set [name](v) {
          a.set.call(this, v);
        },
      };
      const d = Object.getOwnPropertyDescriptor(named, name);
      Object.defineProperty(proto, name, { get: d.get, set: d.set, enumerable: true, configurable: true });
      continue;
    }
    const d = Object.getOwnPropertyDescriptor(members, name);
    d.enumerable = true;
    d.configurable = true;
    Object.defineProperty(proto, name, d);
  }
  for (const name in constants) {
    const d = { value: constants[name], enumerable: true, writable: false, configurable: false };
    Object.defineProperty(WebSocket, name, d);
    Object.defineProperty(proto, name, d);
  }
  Object.defineProperty(proto, 'constructor', { value: WebSocket, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(proto, Symbol.toStringTag, { value: 'WebSocket', writable: false, enumerable: false, configurable: true });
  // qtws extensions, apart from the standard members: facts about the connection (see
  // BridgeSocket::qtwsInfo(): strategy, proxy, the connection report), null until the open or
  // close event.
  Object.defineProperty(proto, 'qtws', {
    get: function () {
      return priv(this).info;
    },
    enumerable: false,
    configurable: true,
  });
  Object.defineProperty(WebSocket, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
  Object.setPrototypeOf(WebSocket, EventTargetCtor);
  Object.defineProperty(WebSocket, 'qtws', { value: Object.freeze({ version: config.version }), enumerable: false, writable: false, configurable: false });

  // QtWs.resolveProxy(url): the proxy candidates QtWs::ProxyResolver gives for url (never
  // credentials), or a rejection whose name is the ProxyError key.
  function resolveProxy(url) {
    if (arguments.length < 1) return Promise.reject(new TypeError("Failed to execute 'resolveProxy' on 'QtWs': 1 argument required, but only 0 present."));
    return new Promise(function (resolve, reject) {
      route.resolveProxy(String(url), function (result) {
        if (result && result.error) {
          const e = new Error(result.errorString || result.error);
          e.name = result.error;
          reject(e);
        } else {
          resolve(result);
        }
      });
    });
  }

  Object.defineProperty(g, 'QtWs', {
    value: Object.freeze({ version: config.version, WebSocket: WebSocket, resolveProxy: resolveProxy }),
    enumerable: false,
    writable: true,
    configurable: true,
  });
  if (config.replace) Object.defineProperty(g, 'WebSocket', { value: WebSocket, enumerable: false, writable: true, configurable: true });
}
