// The live page of cmrwatch: polls the streams app's HTTP API and draws the runs' loss curves, their fitted and
// extrapolated laws, T0 against the budget, and the CMR estimate converging. Plain browser JavaScript, no build step;
// uPlot comes from the streams app's WebJar.
'use strict';

(function () {
  const POLL_MS = 1500;
  const FETCH_TIMEOUT_MS = 5000;
  const CURVE_SAMPLES = 48;

  const el = (id) => document.getElementById(id);
  const PLAN_EVERY_TICKS = 10;
  const state = {
    experiment: null, // selected experiment id
    charts: {}, // id -> {plot, signature, extra}
    plan: {experiment: null, ticks: 0, budget: null, ratio: null}, // the planning questions asked
  };

  // ---------------------------------------------------------------------------------------------------------------
  // The laws (docs/method.md), with T in the run's token unit:
  //   dDom(T) = a1·T^s1 + b1
  //   dGen(T) = a2·T^s2 + a3·T^s3 + b2
  function generalLaw(g, t) {
    return g.a2 * Math.pow(t, g.s2) + g.a3 * Math.pow(t, g.s3) + g.b2;
  }

  function domainLaw(d, t) {
    return d.a1 * Math.pow(t, d.s1) + d.b1;
  }

  function hasParams(obj, names) {
    return obj != null && names.every((n) => typeof obj[n] === 'number' && isFinite(obj[n]));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Formatting.
  function fmtTokens(v) {
    if (v == null || !isFinite(v)) return '—';
    const a = Math.abs(v);
    if (a >= 1e12) return trim(v / 1e12) + 'T';
    if (a >= 1e9) return trim(v / 1e9) + 'B';
    if (a >= 1e6) return trim(v / 1e6) + 'M';
    if (a >= 1e3) return trim(v / 1e3) + 'K';
    return trim(v);
  }

  function trim(v) {
    return String(Number(v.toPrecision(3)));
  }

  function fmtPct(v, digits) {
    if (v == null || !isFinite(v)) return '—';
    return (100 * v).toFixed(digits == null ? 1 : digits) + ' %';
  }

  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleTimeString();
  }

  function humanStatus(status) {
    switch (status) {
      case 'ok': return 'estimate available';
      case 'insufficient_runs': return 'not enough runs with fitted laws yet';
      case 'insufficient_points': return 'the runs have too few evaluation points to fit the laws yet';
      case 'fit_failed': return 'the law fit did not converge; waiting for more data';
      default: return status ? String(status).replace(/_/g, ' ') : 'waiting for data';
    }
  }

  // Colours ordered from cool (small domain share) to warm (large share: more forgetting), all dark enough to read.
  const PALETTE = ['#1f4e9c', '#2c8fc9', '#17a398', '#5b9a1f', '#b8860b', '#e06c00', '#c51b1b', '#7f1d6e'];

  function runColor(i, n) {
    if (n > PALETTE.length) return 'hsl(' + (230 - (230 * i) / (n - 1)).toFixed(0) + ', 70%, 40%)';
    return PALETTE[n <= 1 ? 0 : Math.round((i * (PALETTE.length - 1)) / (n - 1))];
  }

  function withAlpha(color, alpha) {
    if (color.startsWith('hsl(')) return color.replace('hsl(', 'hsla(').replace(')', ', ' + alpha + ')');
    const v = parseInt(color.slice(1), 16);
    return 'rgba(' + (v >> 16) + ', ' + ((v >> 8) & 255) + ', ' + (v & 255) + ', ' + alpha + ')';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP.
  async function getJson(path) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
    try {
      const res = await fetch(path, {signal: ctrl.signal, cache: 'no-store', headers: {Accept: 'application/json'}});
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(path + ' answered ' + res.status);
      return await res.json();
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Polling.
  async function tick() {
    try {
      const experiments = (await getJson('/experiments')) || [];
      updatePicker(experiments);
      if (state.experiment == null) {
        renderEmpty(experiments.length === 0
          ? 'no experiments yet — waiting for loss events on cpt.loss-events'
          : 'pick an experiment');
      } else {
        const exp = await getJson('/experiments/' + encodeURIComponent(state.experiment));
        if (exp == null) {
          renderEmpty('experiment ' + state.experiment + ' is not known (yet)');
        } else {
          const ids = Array.isArray(exp.runs) ? exp.runs : [];
          const runs = (await Promise.all(ids.map((id) => getJson('/runs/' + encodeURIComponent(id)
              + '?experiment=' + encodeURIComponent(state.experiment)))))
              .filter((r) => r != null);
          const summary = experiments.find((e) => e.experiment === state.experiment) || null;
          render(summary, exp, runs);
        }
      }
      setConnection('live', 'live');
    } catch (err) {
      setConnection('error', 'no answer from the streams app (' + (err && err.message ? err.message : err)
          + ') — retrying');
    } finally {
      setTimeout(tick, POLL_MS);
    }
  }

  function setConnection(kind, text) {
    const c = el('connection');
    c.dataset.state = kind;
    c.textContent = text;
  }

  function updatePicker(experiments) {
    const select = el('experiment');
    const ids = experiments.map((e) => e.experiment);
    const wanted = decodeURIComponent((location.hash.match(/experiment=([^&]+)/) || [])[1] || '');
    if (state.experiment == null || !ids.includes(state.experiment)) {
      if (wanted && ids.includes(wanted)) {
        state.experiment = wanted;
      } else if (ids.length > 0) {
        // The most recently updated experiment is the one being watched right now.
        const latest = experiments.slice().sort((a, b) => String(b.updated || '').localeCompare(a.updated || ''))[0];
        state.experiment = latest.experiment;
      } else {
        state.experiment = null;
      }
    }
    const current = Array.from(select.options).map((o) => o.value);
    if (current.join('\n') !== ids.join('\n')) {
      select.replaceChildren(...ids.map((id) => new Option(id, id)));
    }
    if (state.experiment != null) select.value = state.experiment;
  }

  el('experiment').addEventListener('change', (ev) => {
    state.experiment = ev.target.value;
    history.replaceState(null, '', '#experiment=' + encodeURIComponent(state.experiment));
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Rendering.
  function renderEmpty(reason) {
    el('cmr-value').textContent = '—';
    el('cmr-interval').textContent = '';
    setStatus(null, reason);
    el('cmr-facts').textContent = '';
    renderTable([]);
    for (const id of ['chart-general', 'chart-domain', 'chart-cmr', 'chart-t0']) placeholder(id, reason);
  }

  function render(summary, exp, runs) {
    runs.sort((a, b) => (a.ratio - b.ratio) || String(a.run).localeCompare(String(b.run)));
    runs.forEach((r, i) => { r.color = runColor(i, runs.length); });
    const estimate = exp.estimate || {};
    const history = Array.isArray(exp.history) ? exp.history : [];
    renderEstimate(summary, estimate, exp.time, history, runs);
    renderTable(runs);
    renderPlan(estimate);
    renderTokenChart('chart-general', runs, 'general');
    renderTokenChart('chart-domain', runs, 'domain');
    renderCmrChart(history);
    renderT0Chart(runs, estimate, summary);
    el('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  function setStatus(status, reasonText) {
    const s = el('cmr-status');
    s.textContent = status || 'waiting';
    s.dataset.status = status === 'ok' ? 'ok' : 'reason';
    el('cmr-reason').textContent = reasonText || '';
  }

  // The estimate is core's (as `cmrwatch fit` prints it): CMR, interval, usable runs, extrapolation flags,
  // the curves across ratios and every run's result.
  function renderEstimate(summary, estimate, time, history, runs) {
    const status = estimate.status || (summary && summary.status) || null;
    const pick = (k) => (typeof estimate[k] === 'number' ? estimate[k] : summary && summary[k]);
    const cmr = pick('cmr');
    const low = pick('cmrLow');
    const high = pick('cmrHigh');
    const ok = status === 'ok' && typeof cmr === 'number';
    el('cmr-value').textContent = ok ? fmtPct(cmr) : '—';
    el('cmr-interval').textContent = ok && typeof low === 'number' && typeof high === 'number'
        ? 'interval ' + fmtPct(low) + ' – ' + fmtPct(high) : '';
    const detail = estimate.message || '';
    // With an estimate the facts line says what it rests on; without one, the reason is the message.
    setStatus(status, ok ? '' : humanStatus(status) + (detail ? ' — ' + detail : ''));

    const facts = [];
    if (typeof estimate.usableRuns === 'number') facts.push(estimate.usableRuns + ' runs used');
    else facts.push(runs.length + ' runs');
    const used = (Array.isArray(estimate.runs) ? estimate.runs : []).filter((r) => r.status === 'ok');
    if (used.length) facts.push(used.reduce((s, r) => s + (r.points || 0), 0) + ' points');
    const budget = estimate.budgetTokens != null ? estimate.budgetTokens : (runs[0] && runs[0].budgetTokens);
    if (budget != null) facts.push('budget ' + fmtTokens(budget) + ' tokens');
    // What the CMR rests on beyond the data (core's extrapolation flags) and which constraint sets it.
    const ex = estimate.extrapolation || {};
    const beyond = [];
    if (ex.ratios) beyond.push('outside the trained ratios');
    if (ex.budget) beyond.push('losses extrapolated to the budget');
    if (ex.criticalPoints) beyond.push('some T0 beyond the observed tokens');
    if (ok) facts.push(beyond.length ? 'extrapolated: ' + beyond.join(', ') : 'no extrapolation');
    const binding = estimate.interpolation && estimate.interpolation.binding;
    if (ok && binding) facts.push('set by the ' + String(binding).replace(/_/g, ' ') + ' constraint');
    facts.push(history.length + ' estimates so far');
    const updated = time || (summary && summary.updated);
    if (updated) facts.push('last ' + fmtTime(updated));
    el('cmr-facts').textContent = facts.join(' · ');
  }

  function renderTable(runs) {
    const body = el('runs').querySelector('tbody');
    el('runs-empty').style.display = runs.length ? 'none' : '';
    body.replaceChildren(...runs.map((r) => {
      const fit = r.fit || {};
      const pts = Array.isArray(r.points) ? r.points : [];
      const events = pts.reduce((s, p) => s + (p.count || 0), 0);
      const latest = pts.reduce((m, p) => Math.max(m, p.tokens || 0), 0);
      const tr = document.createElement('tr');
      const cell = (text, cls, title) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        if (title) td.title = title;
        tr.appendChild(td);
        return td;
      };
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = r.color;
      cell('').appendChild(sw);
      cell(r.run + (r.ratioChanged ? ' (ratio changed)' : ''));
      cell(fmtPct(r.ratio), 'num');
      cell(String(pts.length), 'num', events + ' events');
      cell(fmtTokens(latest), 'num');
      cell(fit.t0Tokens != null ? fmtTokens(fit.t0Tokens) : '—', 'num');
      cell(fit.t0Low != null || fit.t0High != null ? fmtTokens(fit.t0Low) + ' – ' + fmtTokens(fit.t0High) : '—', 'num');
      cell(fmtTokens(r.budgetTokens), 'num');
      if (fit.feasible === true) cell('yes', 'yes');
      else if (fit.feasible === false) cell('no', 'no');
      else cell(r.fit ? '—' : 'no fit yet', 'pending');
      cell(typeof fit.feasibleProbability === 'number' ? fmtPct(fit.feasibleProbability, 0) : '—', 'num',
          typeof fit.turnOverProbability === 'number'
            ? 'turns over by the budget with probability ' + fmtPct(fit.turnOverProbability, 0) : '');
      const firing = (Array.isArray(r.alerts) ? r.alerts : []).filter((a) => a.state !== 'resolved')
          .map((a) => String(a.kind).replace(/_/g, ' '));
      cell(firing.join(', '), firing.length ? 'alert' : '');
      return tr;
    }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Planning: where to train next (in the estimate), and the questions of GET /experiments/{id}/plan. A plan is a
  // fresh analysis on the server, so it is asked when the user asks, when the experiment changes and every
  // PLAN_EVERY_TICKS polls, not at every poll.
  function renderPlan(estimate) {
    const ok = estimate.status === 'ok';
    const next = [];
    if (ok && typeof estimate.nextRatio === 'number') {
      next.push('a run at ' + fmtPct(estimate.nextRatio)
          + (typeof estimate.nextRatioExpectedWidth === 'number'
            ? ' (interval width then ≈ ' + fmtPct(estimate.nextRatioExpectedWidth) + ')' : ''));
    }
    if (ok && estimate.denserRun) {
      next.push('evaluate run ' + estimate.denserRun + ' more often'
          + (typeof estimate.denserRunExpectedWidth === 'number'
            ? ' (≈ ' + fmtPct(estimate.denserRunExpectedWidth) + ')' : ''));
    }
    el('plan-next').textContent = next.length ? next.join(' · ') : '—';
    el('plan-bound').textContent = ok && typeof estimate.cmrHalfWidthBound === 'number'
      ? 'the data at hand cannot pin the CMR closer than ± ' + fmtPct(estimate.cmrHalfWidthBound)
        + ' (Cramér–Rao bound)' : '';
    const p = state.plan;
    if (p.experiment !== state.experiment) {
      p.experiment = state.experiment;
      p.ticks = 0;
      p.budget = null;
      p.ratio = null;
      el('plan-budget-answer').textContent = '—';
      el('plan-ratio-answer').textContent = '—';
    }
    if (!ok) return;
    if (p.budget == null && typeof estimate.budgetTokens === 'number') {
      p.budget = 2 * estimate.budgetTokens;
      el('plan-budget').value = fmtTokens(p.budget);
    }
    if (p.ticks++ % PLAN_EVERY_TICKS === 0) askPlans();
  }

  function parseTokens(text) {
    const m = /^\s*([0-9.eE+]+)\s*([KMBT]?)\s*$/i.exec(String(text));
    if (!m) return NaN;
    const scale = {'': 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12}[m[2].toUpperCase()];
    return Number(m[1]) * scale;
  }

  async function askPlan(query, answerId, show) {
    const out = el(answerId);
    const id = state.experiment;
    if (id == null) return;
    try {
      const res = await fetch('/experiments/' + encodeURIComponent(id) + '/plan?' + query,
          {cache: 'no-store', headers: {Accept: 'application/json'}});
      const body = await res.json();
      if (id !== state.experiment) return;
      const answer = body.cmrAtBudget || body.budgetForRatio;
      if (!res.ok || answer == null) {
        out.dataset.status = 'reason';
        out.textContent = body.error || ('no answer (' + res.status + ')');
      } else if (answer.status !== 'ok') {
        out.dataset.status = 'reason';
        out.textContent = humanStatus(answer.status) + (answer.message ? ' — ' + answer.message : '');
      } else {
        out.dataset.status = 'ok';
        out.textContent = show(answer);
      }
    } catch (err) {
      out.dataset.status = 'reason';
      out.textContent = 'no answer (' + (err && err.message ? err.message : err) + ')';
    }
  }

  function askPlans() {
    const p = state.plan;
    if (p.budget != null && isFinite(p.budget) && p.budget >= 1) {
      askPlan('budget=' + Math.round(p.budget), 'plan-budget-answer', (a) => 'CMR ' + fmtPct(a.cmr)
          + ' (' + fmtPct(a.cmrLow) + ' – ' + fmtPct(a.cmrHigh) + ')' + (a.extrapolated ? ', extrapolated' : ''));
    }
    if (p.ratio != null && p.ratio > 0 && p.ratio <= 1) {
      askPlan('ratio=' + p.ratio, 'plan-ratio-answer', (a) => fmtTokens(a.budgetTokens) + ' tokens ('
          + fmtTokens(a.budgetLow) + ' – ' + fmtTokens(a.budgetHigh) + ')');
    }
  }

  el('plan-budget-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = parseTokens(el('plan-budget').value);
    if (!(v >= 1)) {
      el('plan-budget-answer').dataset.status = 'reason';
      el('plan-budget-answer').textContent = 'a budget in tokens, e.g. 4e9 or 4B';
      return;
    }
    state.plan.budget = v;
    askPlans();
  });
  el('plan-ratio-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = Number(el('plan-ratio').value) / 100;
    if (!(v > 0 && v <= 1)) {
      el('plan-ratio-answer').dataset.status = 'reason';
      el('plan-ratio-answer').textContent = 'a share in percent, above 0 and at most 100';
      return;
    }
    state.plan.ratio = v;
    askPlans();
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Charts.
  function placeholder(id, text) {
    const c = state.charts[id];
    if (c) {
      c.plot.destroy();
      delete state.charts[id];
    }
    const box = el(id);
    box.dataset.points = '0';
    if (!box.querySelector('.placeholder')) {
      box.replaceChildren();
      const p = document.createElement('div');
      p.className = 'placeholder';
      box.appendChild(p);
    }
    box.querySelector('.placeholder').textContent = text;
  }

  function plotWidth(id) {
    return Math.max(300, el(id).clientWidth || 600);
  }

  const PLOT_HEIGHT = 250;

  // Creates the chart, or feeds it new data when its series are unchanged (no flicker, keeps the canvas).
  function upsert(id, signature, makeOpts, data, extra, pointCount) {
    const box = el(id);
    let c = state.charts[id];
    if (c && c.signature !== signature) {
      c.plot.destroy();
      c = null;
    }
    if (!c) {
      box.replaceChildren();
      c = {signature, extra};
      const opts = makeOpts(() => c.extra);
      opts.width = plotWidth(id);
      opts.height = PLOT_HEIGHT;
      c.plot = new uPlot(opts, data, box);
      state.charts[id] = c;
    } else {
      c.extra = extra;
      c.plot.setData(data);
    }
    box.dataset.points = String(pointCount);
  }

  function linspace(a, b, n) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(a + ((b - a) * i) / (n - 1));
    return out;
  }

  // Aligns per-series (x, y) lists on one sorted x axis, as uPlot wants; missing values are null.
  function align(seriesXY) {
    const xs = Array.from(new Set(seriesXY.flatMap((s) => s.map((p) => p[0])))).sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = seriesXY.map((s) => {
      const col = new Array(xs.length).fill(null);
      for (const [x, y] of s) col[index.get(x)] = y;
      return col;
    });
    return [xs, ...ys];
  }

  function tokenAxis() {
    return {label: 'CPT tokens', values: (u, vals) => vals.map(fmtTokens), size: 40};
  }

  function renderTokenChart(id, runs, kind) {
    const withPoints = runs.filter((r) => Array.isArray(r.points) && r.points.length > 0);
    if (withPoints.length === 0) {
      placeholder(id, runs.length ? 'no evaluation points yet' : 'no runs yet');
      return;
    }
    const observedOf = (p) => (kind === 'general' ? p.generalLossIncrease : -p.domainLossChange);
    const series = [];
    const seriesOpts = [];
    const markers = [];
    const budgets = new Set();
    const epsilons = new Set();
    let observed = 0;
    let xMax = 0;
    for (const r of withPoints) {
      const pts = r.points.filter((p) => isFinite(p.tokens) && isFinite(observedOf(p)));
      observed += pts.length;
      const obs = pts.map((p) => [p.tokens, observedOf(p)]);
      const tMin = Math.min(...pts.map((p) => p.tokens).filter((t) => t > 0));
      const tMax = Math.max(...pts.map((p) => p.tokens));
      const budget = typeof r.budgetTokens === 'number' ? r.budgetTokens : null;
      if (budget) budgets.add(budget);
      if (typeof r.epsilon === 'number') epsilons.add(r.epsilon);
      xMax = Math.max(xMax, tMax, budget || 0);
      // The fit is core's result for the run: its laws in token units of the run's settings.
      const unit = r.tokenUnit || 1;
      let law = null;
      if (r.fit && kind === 'general' && hasParams(r.fit.generalLaw, ['a2', 's2', 'a3', 's3', 'b2'])) {
        law = (t) => generalLaw(r.fit.generalLaw, t / unit);
      } else if (r.fit && kind === 'domain' && hasParams(r.fit.domainLaw, ['a1', 's1', 'b1'])) {
        law = (t) => -domainLaw(r.fit.domainLaw, t / unit);
      }
      const sample = (a, b) => (isFinite(a) && isFinite(b) && b > a
          ? linspace(a, b, CURVE_SAMPLES).map((t) => [t, law(t)]).filter((p) => isFinite(p[1])) : []);
      const solid = law ? sample(tMin, tMax) : [];
      const dashed = law && budget && budget > tMax ? sample(tMax, budget) : [];
      series.push(obs, solid, dashed);
      seriesOpts.push(
          {label: r.run, stroke: r.color, paths: () => null, points: {show: true, size: 5, fill: r.color}},
          {label: r.run + ' fit', stroke: r.color, width: 2, spanGaps: true, points: {show: false}},
          {label: r.run + ' extrapolated', stroke: r.color, width: 1.5, dash: [6, 5], spanGaps: true,
            points: {show: false}});
      if (kind === 'general' && r.fit && typeof r.fit.t0Tokens === 'number') {
        markers.push({t0: r.fit.t0Tokens, low: r.fit.t0Low, high: r.fit.t0High, color: r.color});
      }
    }
    const extra = {
      budgets: Array.from(budgets),
      epsilons: kind === 'general' ? Array.from(epsilons) : [],
      markers,
      xMax: xMax * 1.02,
    };
    const signature = kind + '|' + withPoints.map((r) => r.run + '@' + r.color).join(',');
    const yLabel = kind === 'general' ? 'general-loss increase' : 'domain-loss decrease';
    upsert(id, signature, (getExtra) => ({
      legend: {show: false},
      cursor: {drag: {x: false, y: false}},
      scales: {
        x: {time: false, range: () => [0, getExtra().xMax || 1]},
        y: {
          range: (u, min, max) => {
            const eps = getExtra().epsilons;
            const lo = Math.min(min, 0);
            const hi = Math.max(max, ...(eps.length ? eps.map((e) => e * 1.15) : [0]));
            const pad = (hi - lo) * 0.05 || 0.01;
            return [lo - pad, hi + pad];
          },
        },
      },
      axes: [tokenAxis(), {label: yLabel, size: 60}],
      series: [{}, ...seriesOpts],
      hooks: {draw: [(u) => drawTokenOverlays(u, getExtra())]},
    }), align(series), extra, observed);
  }

  // ε line, budget line, and each run's T0 with its interval (vertical marker plus a translucent band).
  function drawTokenOverlays(u, extra) {
    const ctx = u.ctx;
    const {left, top, width, height} = u.bbox;
    const px = window.devicePixelRatio || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.font = (11 * px) + 'px system-ui, sans-serif';
    for (const m of extra.markers) {
      const lo = typeof m.low === 'number' ? m.low : m.t0;
      const hi = typeof m.high === 'number' ? m.high : m.t0;
      const x0 = u.valToPos(lo, 'x', true);
      const x1 = u.valToPos(hi, 'x', true);
      ctx.fillStyle = withAlpha(m.color, 0.07);
      ctx.fillRect(Math.min(x0, x1), top, Math.max(Math.abs(x1 - x0), px), height);
      const x = u.valToPos(m.t0, 'x', true);
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 1.5 * px;
      ctx.setLineDash([2 * px, 3 * px]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const b of extra.budgets) {
      const x = u.valToPos(b, 'x', true);
      ctx.strokeStyle = '#1d232b';
      ctx.lineWidth = 1.5 * px;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = '#1d232b';
      ctx.textAlign = 'right';
      ctx.fillText('budget', x - 4 * px, top + 12 * px);
    }
    for (const e of extra.epsilons) {
      const y = u.valToPos(e, 'y', true);
      ctx.strokeStyle = '#888';
      ctx.lineWidth = 1 * px;
      ctx.setLineDash([4 * px, 4 * px]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillStyle = '#666';
      ctx.textAlign = 'right';
      ctx.fillText('ε = ' + e, left + width - 4 * px, y - 4 * px);
    }
    ctx.restore();
  }

  function renderCmrChart(history) {
    const rows = history
        .map((h) => ({t: Date.parse(h.time) / 1000, h}))
        .filter((r) => isFinite(r.t))
        .sort((a, b) => a.t - b.t);
    const okRows = rows.filter((r) => r.h.status === 'ok' && typeof r.h.cmr === 'number');
    if (okRows.length === 0) {
      placeholder('chart-cmr', rows.length
          ? 'no estimate yet: ' + humanStatus(rows[rows.length - 1].h.status)
          : 'no estimate yet');
      return;
    }
    const pct = (v) => (typeof v === 'number' && isFinite(v) ? 100 * v : null);
    const ok = (r) => r.h.status === 'ok';
    const data = [
      rows.map((r) => r.t),
      rows.map((r) => (ok(r) ? pct(r.h.cmrLow) : null)),
      rows.map((r) => (ok(r) ? pct(r.h.cmrHigh) : null)),
      rows.map((r) => (ok(r) ? pct(r.h.cmr) : null)),
    ];
    upsert('chart-cmr', 'cmr', () => ({
      legend: {show: true, live: true},
      cursor: {drag: {x: false, y: false}},
      scales: {
        x: {time: true},
        y: {range: (u, min, max) => [Math.max(0, Math.floor(min - 5)), Math.min(100, Math.ceil(max + 5))]},
      },
      axes: [{}, {label: 'CMR (%)', size: 50}],
      series: [
        {},
        {label: 'low', stroke: 'rgba(33, 102, 172, 0.5)', width: 1, points: {show: false}, value: (u, v) => (v == null ? '—' : v.toFixed(1))},
        {label: 'high', stroke: 'rgba(33, 102, 172, 0.5)', width: 1, points: {show: false}, value: (u, v) => (v == null ? '—' : v.toFixed(1))},
        {label: 'CMR', stroke: '#2166ac', width: 2, value: (u, v) => (v == null ? '—' : v.toFixed(1) + ' %')},
      ],
      bands: [{series: [2, 1], fill: 'rgba(33, 102, 172, 0.15)'}],
    }), data, null, okRows.length);
  }

  // T0 against the budget across domain shares: the CMR is where T0(R) crosses the budget.
  function renderT0Chart(runs, estimate, summary) {
    const withT0 = runs.filter((r) => r.fit && typeof r.fit.t0Tokens === 'number' && isFinite(r.fit.t0Tokens));
    if (withT0.length === 0) {
      placeholder('chart-t0', runs.length ? 'no T0 yet: the runs\' laws are not fitted yet' : 'no runs yet');
      return;
    }
    const budgets = Array.from(new Set(runs.map((r) => r.budgetTokens).filter((b) => typeof b === 'number')));
    const budgetMax = budgets.length ? Math.max(...budgets) : 0;
    // Keep the budget readable: T0s far beyond it are drawn as arrows at the top edge.
    const yCap = Math.max(budgetMax * 2, 1);
    const yMax = Math.min(yCap, Math.max(budgetMax, ...withT0.map((r) => r.fit.t0High || r.fit.t0Tokens)) * 1.1);
    const status = estimate.status || (summary && summary.status);
    const cmr = status === 'ok' ? (typeof estimate.cmr === 'number' ? estimate.cmr : summary && summary.cmr) : null;
    const extra = {
      runs: withT0.map((r) => ({
        ratio: r.ratio, t0: r.fit.t0Tokens, low: r.fit.t0Low, high: r.fit.t0High, color: r.color,
        feasible: r.fit.feasible,
      })),
      budgets,
      yMax,
      cmr,
      cmrLow: cmr != null ? (estimate.cmrLow != null ? estimate.cmrLow : summary && summary.cmrLow) : null,
      cmrHigh: cmr != null ? (estimate.cmrHigh != null ? estimate.cmrHigh : summary && summary.cmrHigh) : null,
    };
    // One invisible series carries the x values; the marks are drawn by the hook in each run's colour.
    const data = [[0, 1], [null, null]];
    upsert('chart-t0', 't0', (getExtra) => ({
      legend: {show: false},
      cursor: {drag: {x: false, y: false}},
      scales: {x: {time: false, range: () => [0, 1.04]}, y: {range: () => [0, getExtra().yMax]}},
      axes: [
        {label: 'domain share R', values: (u, vals) => vals.map((v) => Math.round(v * 100) + ' %')},
        {label: 'T0 (tokens)', values: (u, vals) => vals.map(fmtTokens), size: 60},
      ],
      series: [{}, {show: true, stroke: 'transparent', points: {show: false}}],
      hooks: {draw: [(u) => drawT0(u, getExtra())]},
    }), data, extra, withT0.length);
  }

  function drawT0(u, extra) {
    const ctx = u.ctx;
    const {left, top, width, height} = u.bbox;
    const px = window.devicePixelRatio || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.font = (11 * px) + 'px system-ui, sans-serif';
    if (extra.cmr != null) {
      const lo = extra.cmrLow != null ? extra.cmrLow : extra.cmr;
      const hi = extra.cmrHigh != null ? extra.cmrHigh : extra.cmr;
      const x0 = u.valToPos(lo, 'x', true);
      const x1 = u.valToPos(hi, 'x', true);
      ctx.fillStyle = 'rgba(33, 102, 172, 0.12)';
      ctx.fillRect(x0, top, Math.max(x1 - x0, px), height);
      const x = u.valToPos(extra.cmr, 'x', true);
      ctx.strokeStyle = '#2166ac';
      ctx.lineWidth = 2 * px;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = '#2166ac';
      ctx.textAlign = 'left';
      ctx.fillText('CMR', x + 4 * px, top + 12 * px);
    }
    for (const b of extra.budgets) {
      const y = u.valToPos(b, 'y', true);
      ctx.strokeStyle = '#1d232b';
      ctx.lineWidth = 1.5 * px;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillStyle = '#1d232b';
      ctx.textAlign = 'left';
      ctx.fillText('budget ' + fmtTokens(b), left + 4 * px, y - 4 * px);
    }
    const yTop = extra.yMax;
    for (const r of extra.runs) {
      const x = u.valToPos(r.ratio, 'x', true);
      const clipY = (v) => u.valToPos(Math.min(v, yTop), 'y', true);
      const hasLo = typeof r.low === 'number' && isFinite(r.low);
      const hasHi = typeof r.high === 'number' && isFinite(r.high);
      ctx.strokeStyle = r.color;
      ctx.fillStyle = r.color;
      ctx.lineWidth = 1.5 * px;
      if (hasLo || hasHi) {
        const y0 = clipY(hasLo ? r.low : r.t0);
        const y1 = hasHi ? clipY(r.high) : top;
        ctx.beginPath();
        ctx.moveTo(x, y0);
        ctx.lineTo(x, y1);
        ctx.moveTo(x - 4 * px, y0);
        ctx.lineTo(x + 4 * px, y0);
        ctx.moveTo(x - 4 * px, y1);
        ctx.lineTo(x + 4 * px, y1);
        ctx.stroke();
      }
      const y = clipY(r.t0);
      ctx.beginPath();
      if (r.t0 > yTop) {
        // Beyond the chart: an arrow pointing up.
        ctx.moveTo(x, top + 2 * px);
        ctx.lineTo(x - 5 * px, top + 10 * px);
        ctx.lineTo(x + 5 * px, top + 10 * px);
        ctx.closePath();
      } else {
        ctx.arc(x, y, 4 * px, 0, 2 * Math.PI);
      }
      if (r.feasible === false) {
        ctx.fillStyle = '#fff';
        ctx.fill();
        ctx.stroke();
      } else {
        ctx.fill();
      }
    }
    ctx.restore();
  }

  window.addEventListener('resize', () => {
    for (const [id, c] of Object.entries(state.charts)) c.plot.setSize({width: plotWidth(id), height: PLOT_HEIGHT});
  });

  tick();
})();
