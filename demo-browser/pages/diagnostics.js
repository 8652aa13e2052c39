// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const $ = id => document.getElementById(id);
  const demo = window.demo;
  const out = $('output');

  function section(title) {
    out.replaceChildren(demo.element('h2', title));
  }
  function say(text, className) {
    out.appendChild(demo.element('p', text, className || 'muted'));
  }

  async function resolve() {
    section('Proxy decision for ' + $('url').value);
    if (!window.QtWs) {
      say('This page has no qtws bridge (its origin is not allowed).');
      return;
    }
    try {
      const r = await QtWs.resolveProxy($('url').value);
      say('Why: ' + r.reason);
      out.appendChild(demo.table(['#', 'Hop', 'Source'], r.candidates.map((c, i) => [i + 1, c.pac, c.source])));
    } catch (e) {
      say('Resolution failed (' + e.name + '): ' + e.message + '. qtws fails closed: nothing would connect.', 'fails');
    }
  }

  async function probe() {
    section('Probe of ' + $('url').value);
    say('Trying every strategy through every hop, one after the other...');
    const config = await demo.config();
    const response = await fetch('/api/probe?url=' + encodeURIComponent($('url').value),
      {headers: {'X-Qtws-Demo-Token': config.token}});
    const result = await response.json();
    section('Probe of ' + result.url);
    const resolution = result.resolution || {};
    if (resolution.errorString)
      say('Proxy decision failed: ' + resolution.errorString, 'fails');
    else
      say('Proxy decision: ' + (resolution.candidates || []).join('; ') + ' (' + resolution.reason + ')');
    const rows = [];
    for (const run of result.runs || [])
      rows.push(...demo.attemptRows(run.attempts));
    out.appendChild(demo.table(demo.attemptHeaders, rows));
    say(result.works ? 'At least one strategy gets through.' : 'No strategy gets through.',
      result.works ? 'works' : 'fails');
    document.body.dataset.ready = '1';
  }

  function connectOnce() {
    section('One connection to ' + $('url').value);
    const ws = new WebSocket($('url').value);
    const show = what => {
      section('One connection to ' + $('url').value + ': ' + what);
      if (!ws.qtws) {
        say('Native WebSocket: no connection report.');
        return;
      }
      const report = ws.qtws.report || {};
      if (ws.qtws.strategy)
        say('Connected through ' + ws.qtws.proxy + ' by "' + ws.qtws.strategy + '".', 'works');
      if (report.errorString)
        say(report.errorString, 'fails');
      out.appendChild(demo.table(demo.attemptHeaders, demo.attemptRows(report.attempts)));
    };
    ws.onopen = () => { show('open'); ws.close(); };
    ws.onclose = event => { if (!ws.qtws || !ws.qtws.strategy) show('closed with ' + event.code); };
  }

  $('form').addEventListener('submit', event => { event.preventDefault(); probe(); });
  $('resolve').addEventListener('click', resolve);
  $('connect').addEventListener('click', connectOnce);
  demo.config().then(config => {
    $('url').value = params.get('url') || config.relay;
    if (params.get('run') === 'probe')
      probe();
  });
})();
