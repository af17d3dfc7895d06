/* Cohort dashboard: charts of every run's metrics against step (uPlot), the rollouts of recent
   steps, runs and plugins; kept up to date by the server's event stream (/events). */
(function () {
  'use strict';

  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  var FIXED = [
    {id: 'reward', title: 'reward (total, mean ± std)', series: [{key: 'reward', std: 'reward_std'}]},
    {id: 'frac_reward_zero_std', title: 'frac_reward_zero_std', series: [{key: 'frac_reward_zero_std'}]},
    {id: 'kl', title: 'kl', series: [{key: 'kl'}]},
    {id: 'entropy', title: 'entropy', series: [{key: 'entropy'}]},
    {id: 'completion_length', title: 'completion length (tokens)', series: [
      {key: 'completions/mean_length', label: 'mean'}, {key: 'completions/min_length', label: 'min'},
      {key: 'completions/max_length', label: 'max'}]},
    {id: 'clipped_ratio', title: 'completions clipped (fraction)', series: [{key: 'completions/clipped_ratio'}]},
    {id: 'clip_ratio', title: 'clip ratio', series: [
      {key: 'clip_ratio/low_mean', label: 'low'}, {key: 'clip_ratio/high_mean', label: 'high'},
      {key: 'clip_ratio/region_mean', label: 'region'}]},
    {id: 'loss', title: 'loss', series: [{key: 'loss'}]},
    {id: 'grad_norm', title: 'grad_norm', series: [{key: 'grad_norm'}]},
    {id: 'learning_rate', title: 'learning_rate', series: [{key: 'learning_rate'}]},
    {id: 'tokens_per_second', title: 'tokens/s', series: [{key: 'tokens_per_second'}]}
  ];

  var runs = new Map();        // run id -> Map(step -> point)
  var hidden = new Set();      // runs switched off
  var charts = new Map();      // chart id -> {plot, signature, mains: {run: series index}, zoomed}
  var rolloutIndex = [];       // [{run, step, groups, samples, time}]
  var current = null;          // the rollout batch shown
  var batchTicket = 0;
  var es = null;
  var connections = 0;         // streams opened so far (each reloads the history)
  var renderPending = false;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) { return '-'; }
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) { return v.toExponential(3); }
    return v.toFixed(digits === undefined ? 4 : digits);
  }
  function getJson(url) {
    return fetch(url, {cache: 'no-store'}).then(function (r) {
      if (!r.ok) { throw new Error(url + ': HTTP ' + r.status); }
      return r.json();
    });
  }

  /* ---- the event stream ---- */
  function setConn(live) {
    var c = $('conn');
    c.textContent = live ? 'live' : 'reconnecting';
    c.className = 'conn ' + (live ? 'live' : 'down');
  }
  function connect() {
    es = new EventSource('events');
    es.addEventListener('hello', function () {
      connections++;
      setConn(true);
      reloadAll();
    });
    es.addEventListener('metrics', function (e) { addPoint(JSON.parse(e.data)); scheduleRender(); });
    es.addEventListener('rollouts', function (e) { addRolloutEntry(JSON.parse(e.data)); });
    es.onerror = function () {
      setConn(false);
      if (es.readyState === EventSource.CLOSED) {   // refused (e.g. 404 while the bundle updates)
        setTimeout(connect, 1000);
      }
    };
  }
  /* After every (re)connection the whole history is read again: nothing missed while away. */
  function reloadAll() {
    getJson('api/history').then(function (h) {
      h.runs.forEach(function (r) { r.points.forEach(addPoint); });
      scheduleRender();
    }).catch(console.error);
    getJson('api/rollouts').then(function (idx) {
      rolloutIndex = [];
      idx.forEach(function (e) { addRolloutEntry(e, true); });
      if (idx.length) { addRolloutEntry(idx[idx.length - 1]); }
    }).catch(console.error);
    loadSystem();
  }

  /* ---- metrics and charts ---- */
  function addPoint(p) {
    if (!runs.has(p.run)) { runs.set(p.run, new Map()); }
    runs.get(p.run).set(p.step, p);
  }
  function scheduleRender() {
    if (renderPending) { return; }
    renderPending = true;
    setTimeout(function () { renderPending = false; renderCharts(); renderToggles(); }, 200);
  }
  function functionCharts() {
    var names = new Set();
    runs.forEach(function (points) {
      points.forEach(function (p) {
        Object.keys(p.values).forEach(function (k) {
          var m = /^rewards\/(.+)\/mean$/.exec(k);
          if (m) { names.add(m[1]); }
        });
      });
    });
    return Array.from(names).sort().map(function (f) {
      return {id: 'fn-' + f, title: 'reward ' + f + ' (mean ± std)',
        series: [{key: 'rewards/' + f + '/mean', std: 'rewards/' + f + '/std'}]};
    });
  }
  function runColor(run) {
    return COLORS[Array.from(runs.keys()).indexOf(run) % COLORS.length];
  }
  function chartData(def) {
    var shown = Array.from(runs.keys()).filter(function (r) { return !hidden.has(r); });
    var steps = new Set();
    shown.forEach(function (r) { runs.get(r).forEach(function (p, s) { steps.add(s); }); });
    var xs = Array.from(steps).sort(function (a, b) { return a - b; });
    var data = [xs], series = [{label: 'step'}], bands = [], mains = {};
    shown.forEach(function (run) {
      var points = runs.get(run), color = runColor(run);
      def.series.forEach(function (s, k) {
        var y = xs.map(function (x) { var p = points.get(x); return value(p, s.key); });
        if (y.every(function (v) { return v === null; })) { return; }
        if (k === 0) { mains[run] = data.length; }
        data.push(y);
        series.push({label: run + (s.label ? ' ' + s.label : ''), stroke: color, width: 1.5, spanGaps: true,
          dash: k === 0 ? undefined : [4 + 2 * k, 3], points: {show: xs.length < 60}});
        if (s.std) {
          var hi = xs.map(function (x) { var p = points.get(x), m = value(p, s.key), d = value(p, s.std);
            return m === null || d === null ? null : m + d; });
          var lo = xs.map(function (x) { var p = points.get(x), m = value(p, s.key), d = value(p, s.std);
            return m === null || d === null ? null : m - d; });
          data.push(hi, lo);
          series.push({label: run + ' +std', stroke: color + '55', width: 0.5, spanGaps: true, points: {show: false}},
                      {label: run + ' -std', stroke: color + '55', width: 0.5, spanGaps: true, points: {show: false}});
          bands.push({series: [data.length - 2, data.length - 1], fill: color + '22'});
        }
      });
    });
    return {data: data, series: series, bands: bands, mains: mains};
  }
  function value(p, key) {
    if (!p) { return null; }
    var v = p.values[key];
    return v === undefined || v === null ? null : v;
  }
  function renderCharts() {
    var defs = FIXED.slice(0, 1).concat(functionCharts(), FIXED.slice(1));
    $('no-metrics').style.display = runs.size ? 'none' : '';
    var box = $('charts');
    defs.forEach(function (def) {
      var cd = chartData(def);
      var c = charts.get(def.id);
      if (!c) {
        var card = el('div', 'chart');
        card.id = 'chart-' + def.id;
        card.appendChild(el('h3', null, def.title));
        var holder = el('div', 'plot');
        card.appendChild(holder);
        box.appendChild(card);
        c = {card: card, holder: holder, plot: null, signature: '', mains: {}, zoomed: false};
        charts.set(def.id, c);
      }
      c.card.style.display = cd.data.length > 1 ? '' : 'none';
      var signature = cd.series.map(function (s) { return s.label; }).join('|');
      if (c.plot && signature === c.signature) {
        c.plot.setData(cd.data, !c.zoomed);
      } else {
        if (c.plot) { c.plot.destroy(); }
        c.plot = new uPlot(options(c, cd), cd.data, c.holder);
        c.signature = signature;
      }
      c.mains = cd.mains;
    });
  }
  function options(c, cd) {
    return {
      width: Math.max(300, c.holder.clientWidth || 440), height: 220,
      series: cd.series, bands: cd.bands,
      scales: {x: {time: false}},
      axes: [{label: 'step'}, {size: 60}],
      cursor: {sync: {key: 'cohort-steps'}, drag: {x: true, y: false}},
      legend: {live: true},
      hooks: {
        setSelect: [function (u) { if (u.select.width > 0) { c.zoomed = true; } }],
        ready: [function (u) { u.over.addEventListener('dblclick', function () { c.zoomed = false; }); }]
      }
    };
  }
  function renderToggles() {
    var box = $('run-toggles');
    box.textContent = '';
    runs.forEach(function (points, run) {
      var label = el('label', 'toggle');
      var cb = el('input');
      cb.type = 'checkbox';
      cb.checked = !hidden.has(run);
      cb.addEventListener('change', function () {
        if (cb.checked) { hidden.delete(run); } else { hidden.add(run); }
        renderCharts();
      });
      label.appendChild(cb);
      var name = el('span', null, ' ' + run);
      name.style.color = runColor(run);
      label.appendChild(name);
      box.appendChild(label);
    });
  }
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { if (c.plot) { c.plot.setSize({width: Math.max(300, c.holder.clientWidth), height: 220}); } });
  });

  /* ---- rollouts ---- */
  function addRolloutEntry(entry, quiet) {
    rolloutIndex = rolloutIndex.filter(function (e) { return !(e.run === entry.run && e.step === entry.step); });
    rolloutIndex.push(entry);
    if (quiet) { return; }
    var run = $('ro-run');
    var follow = $('ro-follow').checked;
    renderRolloutSelectors();
    if (follow && (!run.value || run.value === entry.run)) {
      run.value = entry.run;
      renderSteps();
      $('ro-step').value = String(entry.step);
      loadBatch();
    }
  }
  function renderRolloutSelectors() {
    var sel = $('ro-run'), keep = sel.value;
    var names = Array.from(new Set(rolloutIndex.map(function (e) { return e.run; })));
    if (names.join('|') !== Array.from(sel.options).map(function (o) { return o.value; }).join('|')) {
      sel.textContent = '';
      names.forEach(function (n) { sel.appendChild(el('option', null, n)).value = n; });
      if (names.indexOf(keep) >= 0) { sel.value = keep; }
    }
    renderSteps();
  }
  function renderSteps() {
    var sel = $('ro-step'), keep = sel.value, run = $('ro-run').value;
    sel.textContent = '';
    rolloutIndex.filter(function (e) { return e.run === run; })
      .sort(function (a, b) { return b.step - a.step; })
      .forEach(function (e) { sel.appendChild(el('option', null, 'step ' + e.step)).value = String(e.step); });
    if (Array.from(sel.options).some(function (o) { return o.value === keep; })) { sel.value = keep; }
  }
  function loadBatch() {
    var run = $('ro-run').value, step = $('ro-step').value;
    if (!run || !step) { return; }
    var ticket = ++batchTicket;   // only the answer to the latest request is shown
    getJson('api/rollouts?run=' + encodeURIComponent(run) + '&step=' + encodeURIComponent(step))
      .then(function (b) { if (ticket === batchTicket) { current = b; renderGroups(); } })
      .catch(function (e) { $('ro-summary').textContent = String(e.message); });
  }
  function renderGroups() {
    var b = current, box = $('groups');
    box.textContent = '';
    if (!b) { return; }
    var filter = $('ro-filter').value, order = $('ro-sort').value, text = $('ro-text').value.toLowerCase();
    var groups = b.groups.filter(function (g) {
      var zero = g.std === 0;
      if ((filter === 'zero' && !zero) || (filter === 'nonzero' && zero)) { return false; }
      return !text || g.prompt.toLowerCase().indexOf(text) >= 0
        || g.samples.some(function (s) { return s.completion.toLowerCase().indexOf(text) >= 0; });
    });
    var num = function (v) { return v === null ? -Infinity : v; };
    if (order === 'best') { groups.sort(function (a, c) { return num(c.mean) - num(a.mean); }); }
    if (order === 'worst') { groups.sort(function (a, c) { return num(a.mean) - num(c.mean); }); }
    if (order === 'std') { groups.sort(function (a, c) { return num(c.std) - num(a.std); }); }
    $('ro-summary').textContent = 'run ' + b.run + ', step ' + b.step + ': ' + groups.length + ' of '
      + b.groups.length + ' groups of ' + b.groupSize + ' completions';
    groups.forEach(function (g) { box.appendChild(groupCard(b, g, order)); });
  }
  function groupCard(b, g, order) {
    var card = el('div', 'group' + (g.std === 0 ? ' zero' : ''));
    card.dataset.group = g.index;
    card.appendChild(el('h3', null, 'group ' + g.index + ' · mean ' + fmt(g.mean) + ' · std ' + fmt(g.std)));
    card.appendChild(el('pre', 'prompt', g.prompt));
    var table = el('table'), head = el('tr');
    ['#', 'completion', 'total'].concat(b.functions, ['advantage', 'tokens']).forEach(function (h) {
      head.appendChild(el('th', null, h));
    });
    table.appendChild(head);
    var samples = g.samples.slice();
    var num = function (v) { return v === null ? -Infinity : v; };
    if (order === 'worst') { samples.sort(function (a, c) { return num(a.total) - num(c.total); }); }
    else if (order !== 'index') { samples.sort(function (a, c) { return num(c.total) - num(a.total); }); }
    samples.forEach(function (s) {
      var tr = el('tr', 'sample' + (s.truncated ? ' truncated' : ''));
      tr.dataset.index = s.index;
      tr.appendChild(el('td', 'num', String(s.index)));
      var td = el('td', 'completion');
      td.appendChild(el('pre', null, s.completion));
      tr.appendChild(td);
      tr.appendChild(cell('reward-total', s.total));
      b.functions.forEach(function (f) { tr.appendChild(cell('reward', s.rewards[f], f)); });
      tr.appendChild(cell('advantage', s.advantage));
      tr.appendChild(el('td', 'num', String(s.tokens)));
      table.appendChild(tr);
    });
    card.appendChild(table);
    return card;
  }
  function cell(cls, v, fn) {
    var td = el('td', 'num ' + cls, fmt(v));
    td.dataset.value = v === null ? 'NaN' : String(v);
    if (fn) { td.dataset.function = fn; }
    return td;
  }
  ['ro-filter', 'ro-sort', 'ro-text'].forEach(function (id) { $(id).addEventListener('input', renderGroups); });
  $('ro-run').addEventListener('change', function () { renderSteps(); loadBatch(); });
  $('ro-step').addEventListener('change', function () { $('ro-follow').checked = false; loadBatch(); });

  /* ---- runs, listeners, reward functions ---- */
  function loadSystem() {
    getJson('api/system').then(renderSystem).catch(console.error);
  }
  function renderSystem(s) {
    var body = document.querySelector('#runs tbody');
    body.textContent = '';
    s.runs.forEach(function (r) {
      var tr = el('tr');
      tr.dataset.run = r.run;
      [r.run, r.status, r.step + ' / ' + r.max, r.eta, r.backend, fmt(r.reward, 3), fmt(r.tokens_per_second, 0),
        r.outcome].forEach(function (v) { tr.appendChild(el('td', null, v)); });
      body.appendChild(tr);
    });
    var sbody = document.querySelector('#services tbody');
    sbody.textContent = '';
    s.services.forEach(function (x) {
      var tr = el('tr');
      [x.kind, x.name, x.bundle + ' (' + x.symbolicName + ')', x.version].forEach(function (v) {
        tr.appendChild(el('td', null, v));
      });
      sbody.appendChild(tr);
    });
    var box = $('commands');
    box.textContent = '';
    Object.keys(s.commands).forEach(function (cmd) {
      if (s.commands[cmd] === null) { return; }
      box.appendChild(el('h2', null, cmd));
      box.appendChild(el('pre', null, s.commands[cmd]));
    });
  }
  setInterval(function () { if (es && es.readyState === EventSource.OPEN) { loadSystem(); } }, 3000);

  /* ---- tabs ---- */
  document.querySelectorAll('nav button').forEach(function (b) {
    b.addEventListener('click', function () {
      document.querySelectorAll('nav button').forEach(function (x) { x.classList.toggle('active', x === b); });
      document.querySelectorAll('.view').forEach(function (v) {
        v.classList.toggle('active', v.id === 'view-' + b.dataset.view);
      });
      if (b.dataset.view === 'charts') { setTimeout(function () { window.dispatchEvent(new Event('resize')); }, 0); }
    });
  });

  /* What the page shows, for tests and the curious: points per chart and run, the batch shown. */
  window.cohortDashboard = {
    points: function (chartId, run) {
      var c = charts.get(chartId);
      if (!c || !c.plot || c.mains[run] === undefined) { return 0; }
      return c.plot.data[c.mains[run]].filter(function (v) { return v !== null; }).length;
    },
    steps: function (chartId, run) {
      var c = charts.get(chartId);
      if (!c || !c.plot || c.mains[run] === undefined) { return []; }
      var ys = c.plot.data[c.mains[run]];
      return c.plot.data[0].filter(function (x, i) { return ys[i] !== null; });
    },
    shown: function () { return current ? {run: current.run, step: current.step} : null; },
    get connections() { return connections; }
  };

  connect();
})();
