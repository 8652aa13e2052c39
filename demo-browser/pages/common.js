// SPDX-License-Identifier: LGPL-3.0-or-later
// Shared by the bundled pages: which WebSocket this page has, the demo's configuration, and
// small DOM helpers.
'use strict';
window.demo = {
  implementation() {
    if (WebSocket.qtws)
      return 'WebSocket: qtws ' + WebSocket.qtws.version;
    return window.QtWs ? 'WebSocket: native (qtws available as QtWs.WebSocket)' : 'WebSocket: native';
  },
  async config() {
    if (!this.configPromise)
      this.configPromise = fetch('/config.json').then(r => r.json());
    return this.configPromise;
  },
  element(tag, text, className) {
    const e = document.createElement(tag);
    if (text !== undefined)
      e.textContent = text;
    if (className)
      e.className = className;
    return e;
  },
  table(headers, rows) {
    const table = this.element('table');
    const head = table.insertRow();
    for (const h of headers)
      head.appendChild(this.element('th', h));
    for (const row of rows) {
      const tr = table.insertRow();
      for (const cell of row) {
        const td = tr.insertCell();
        if (cell && typeof cell === 'object') {
          td.textContent = cell.text;
          td.className = cell.className || '';
        } else {
          td.textContent = cell === undefined || cell === null ? '' : String(cell);
        }
      }
    }
    return table;
  },
  // The attempts of a connection report (QtWs::ConnectReport::toJson()) as table rows.
  attemptRows(attempts) {
    return (attempts || []).map(a => [a.hop && (a.hop.pac || a.hop.type), a.strategy, '+' + a.startedAtMs + ' ms',
      a.durationMs + ' ms', {text: a.outcome, className: a.outcome === 'succeeded' ? 'works' : 'fails'},
      a.statusLine || '', a.server || '', a.reason || '']);
  },
  attemptHeaders: ['Hop', 'Strategy', 'Start', 'Took', 'Outcome', 'Answer', 'Server', 'Why'],
};
document.addEventListener('DOMContentLoaded', () => {
  const impl = document.getElementById('impl');
  if (impl)
    impl.textContent = window.demo.implementation();
});
