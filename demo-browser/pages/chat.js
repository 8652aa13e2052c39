// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const $ = id => document.getElementById(id);
  const state = {
    url: '', status: 'connecting', nick: params.get('nick') || 'guest-' + Math.floor(Math.random() * 9000 + 1000),
    received: [], sent: 0, error: false, close: null, strategy: '', proxy: '',
  };
  let socket = null;

  function addLine(text, className) {
    const line = window.demo.element('div', text, className);
    $('log').appendChild(line);
    $('log').scrollTop = $('log').scrollHeight;
  }

  function setStatus(status, detail) {
    state.status = status;
    $('status').textContent = detail ? status + ': ' + detail : status;
    $('status').className = 'status ' + status;
    document.title = 'qtws chat (' + status + ')';
    $('message').disabled = $('send').disabled = status !== 'open';
  }

  // What qtws says about the connection (ws.qtws is null with the native WebSocket).
  function showRoute(ws) {
    const info = ws.qtws;
    if (!info) {
      $('route').textContent = WebSocket.qtws ? '' : 'Native WebSocket: no connection report.';
      return;
    }
    state.strategy = info.strategy || '';
    state.proxy = info.proxy || '';
    if (info.strategy)
      $('route').textContent = 'Connected through ' + info.proxy + ' by the "' + info.strategy + '" strategy.';
    else if (info.report && info.report.errorString)
      $('route').textContent = 'Why it failed: ' + info.report.errorString;
  }

  function connect(url) {
    state.url = url;
    $('server').textContent = url;
    setStatus('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    let pending = '';
    ws.onopen = () => {
      if (socket !== ws)
        return;
      setStatus('open');
      showRoute(ws);
      addLine('connected as ' + state.nick, 'system');
      const say = params.get('say');
      if (say)
        send(say);
      else
        document.body.dataset.ready = '1';
    };
    ws.onmessage = event => {
      pending += typeof event.data === 'string' ? event.data : decoder.decode(event.data, {stream: true});
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        state.received.push(line);
        addLine(line, line.startsWith(state.nick + ':') ? 'mine' : '');
      }
      if (state.received.length)
        document.body.dataset.ready = '1';
    };
    ws.onerror = () => { state.error = true; };
    ws.onclose = event => {
      if (socket !== ws)
        return;
      state.close = {code: event.code, reason: event.reason, wasClean: event.wasClean};
      setStatus('closed', event.code + (event.reason ? ' ' + event.reason : ''));
      showRoute(ws);
      addLine('disconnected (' + event.code + ')', 'system');
      document.body.dataset.ready = '1';
    };
  }

  function send(text) {
    if (!socket || socket.readyState !== WebSocket.OPEN || !text)
      return false;
    socket.send(state.nick + ': ' + text + '\n');
    ++state.sent;
    return true;
  }

  $('form').addEventListener('submit', event => {
    event.preventDefault();
    if (send($('message').value))
      $('message').value = '';
  });
  $('reconnect').addEventListener('click', () => {
    if (socket)
      socket.close();
    connect(state.url);
  });

  window.chat = {state, send, connect};
  const url = params.get('url');
  if (url)
    connect(url);
  else
    window.demo.config().then(config => connect(config.relay));
})();
