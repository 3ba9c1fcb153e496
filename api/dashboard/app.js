/*
 * Sample dashboards for the reporting API. Plain browser JavaScript, no build step; Chart.js is the
 * UMD build the server ships from node_modules (global `Chart`).
 *
 * The API key: the page asks for it, or takes it from the URL fragment (/dashboard#key=lhk_…),
 * keeps it in sessionStorage (this tab only, gone when the tab closes) and removes it from the
 * address bar at once. A fragment is never sent to the server, so the key does not land in access
 * logs or proxies the way a ?key= query parameter would. Every request sends it as
 * `Authorization: Bearer …`; a 401 forgets it and asks again.
 *
 * The page sets <body data-state> to "loading", "ready", "need-key" or "error" so people and tests
 * can tell when the charts are drawn.
 */
/* global document, window, sessionStorage, history, fetch, URL, URLSearchParams, Chart, setTimeout */
'use strict';

(function () {
  const STORAGE_KEY = 'lakehouse.apiKey';
  const $ = (id) => document.getElementById(id);
  const charts = [];

  function setState(state, message, isError) {
    document.body.dataset.state = state;
    const status = $('status');
    status.textContent = message || '';
    status.className = isError ? 'error' : '';
  }

  function takeKeyFromFragment() {
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    const key = params.get('key');
    if (key) {
      sessionStorage.setItem(STORAGE_KEY, key.trim());
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
  }

  class Unauthorized extends Error {}

  async function fetchView(view) {
    const res = await fetch('/api/reporting/json/' + encodeURIComponent(view), {
      headers: { Authorization: 'Bearer ' + sessionStorage.getItem(STORAGE_KEY), Accept: 'application/json' },
      cache: 'no-store',
    });
    if (res.status === 401) throw new Unauthorized('the API key was not accepted');
    if (!res.ok) {
      let detail = res.statusText;
      try {
        detail = (await res.json()).error || detail;
      } catch {
        /* not JSON: keep the status text */
      }
      throw new Error(view + ': ' + detail + ' (HTTP ' + res.status + ')');
    }
    return res.json();
  }

  const num = (v) => (v === null || v === undefined ? 0 : Number(v));
  const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  const PALETTE = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df', '#0a7ea4', '#d1242f', '#57606a'];

  function draw(canvasId, config) {
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts.push(new Chart($(canvasId), config));
  }

  function renderPipeline(rows) {
    const r = rows[0] || { loans_intake: 0, loans_finalized: 0, loans_boarded: 0, as_of: '–' };
    $('kpi-intake').textContent = String(r.loans_intake);
    $('kpi-finalized').textContent = String(r.loans_finalized);
    $('kpi-boarded').textContent = String(r.loans_boarded);
    $('kpi-asof').textContent = String(r.as_of);
    draw('chart-pipeline', {
      type: 'bar',
      data: {
        labels: ['Intake', 'Finalized', 'Boarded'],
        datasets: [{ label: 'Loans', data: [num(r.loans_intake), num(r.loans_finalized), num(r.loans_boarded)], backgroundColor: PALETTE.slice(0, 3) }],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  function renderCash(rows) {
    draw('chart-cash', {
      type: 'line',
      data: {
        labels: rows.map((r) => r.d),
        datasets: [
          { label: 'Cash', data: rows.map((r) => num(r.cash)), borderColor: PALETTE[0], backgroundColor: PALETTE[0], tension: 0.2 },
          { label: 'Principal', data: rows.map((r) => num(r.principal)), borderColor: PALETTE[1], backgroundColor: PALETTE[1], tension: 0.2 },
          { label: 'Interest', data: rows.map((r) => num(r.interest)), borderColor: PALETTE[2], backgroundColor: PALETTE[2], tension: 0.2 },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { callback: (v) => money.format(v) } } } },
    });
  }

  const SEVERITY_ORDER = ['critical', 'major', 'minor'];

  function renderQc(rows) {
    const sorted = rows.slice().sort((a, b) => rank(a.severity) - rank(b.severity));
    function rank(s) {
      const i = SEVERITY_ORDER.indexOf(s);
      return i < 0 ? SEVERITY_ORDER.length : i;
    }
    draw('chart-qc', {
      type: 'doughnut',
      data: {
        labels: sorted.map((r) => r.severity),
        datasets: [{ label: 'Open defects', data: sorted.map((r) => num(r.open_count)), backgroundColor: ['#cf222e', '#bf8700', '#57606a', '#8250df'] }],
      },
    });
  }

  function renderDelinquency(rows) {
    const sorted = rows.slice().sort((a, b) => num(a.bucket_order) - num(b.bucket_order));
    draw('chart-delinquency', {
      type: 'bar',
      data: {
        labels: sorted.map((r) => r.delinquency_bucket),
        datasets: [
          { type: 'bar', label: 'Loans', data: sorted.map((r) => num(r.loan_count)), backgroundColor: PALETTE[0], yAxisID: 'loans' },
          { type: 'line', label: 'UPB', data: sorted.map((r) => num(r.upb)), borderColor: PALETTE[3], backgroundColor: PALETTE[3], yAxisID: 'upb' },
        ],
      },
      options: {
        scales: {
          loans: { type: 'linear', position: 'left', beginAtZero: true, ticks: { precision: 0 } },
          upb: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { callback: (v) => money.format(v) } },
        },
      },
    });
  }

  function renderRemit(rows) {
    const months = Array.from(new Set(rows.map((r) => r.month))).sort();
    const investors = new Map();
    for (const r of rows) {
      const name = r.investor_name || r.investor_id;
      if (!investors.has(name)) investors.set(name, new Map());
      const byMonth = investors.get(name);
      byMonth.set(r.month, (byMonth.get(r.month) || 0) + num(r.net));
    }
    let i = 0;
    draw('chart-remit', {
      type: 'bar',
      data: {
        labels: months,
        datasets: Array.from(investors, ([name, byMonth]) => ({
          // Chart.js draws labels on the canvas as text: names are never parsed as HTML.
          label: name,
          data: months.map((m) => byMonth.get(m) || 0),
          backgroundColor: PALETTE[i++ % PALETTE.length],
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: (v) => money.format(v) } } } },
    });
  }

  async function download(path, anchor) {
    const res = await fetch('/api/reporting/' + path, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem(STORAGE_KEY) } });
    if (!res.ok) throw new Error('download failed (HTTP ' + res.status + ')');
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '');
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name ? name[1] : path.replace('/', '.');
    anchor.after(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function askForKey(message) {
    sessionStorage.removeItem(STORAGE_KEY);
    for (const c of charts.splice(0)) c.destroy();
    $('dashboards').hidden = true;
    $('forget-key').hidden = true;
    $('key-form').hidden = false;
    $('key-error').textContent = message || '';
    $('key-input').focus();
    setState('need-key', '');
  }

  async function load() {
    if (!sessionStorage.getItem(STORAGE_KEY)) return askForKey('');
    $('key-form').hidden = true;
    setState('loading', 'Loading…');
    try {
      const [pipeline, cash, qc, delinquency, remit] = await Promise.all(
        ['v_kpi_pipeline', 'v_cash_last_30', 'v_qc_open_by_severity', 'v_delinquency_by_bucket', 'v_remit_by_investor_month'].map(fetchView),
      );
      for (const c of charts.splice(0)) c.destroy();
      $('dashboards').hidden = false;
      $('forget-key').hidden = false;
      renderPipeline(pipeline);
      renderCash(cash);
      renderQc(qc);
      renderDelinquency(delinquency);
      renderRemit(remit);
      const tenant = (delinquency[0] || remit[0] || {}).tenant_id;
      $('tenant-label').textContent = tenant ? 'tenant ' + tenant : '';
      setState('ready', '');
    } catch (err) {
      if (err instanceof Unauthorized) return askForKey('That key was not accepted (revoked, mistyped or for another server).');
      setState('error', 'Could not load the dashboards: ' + err.message, true);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    takeKeyFromFragment();
    $('key-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('key-input').value.trim();
      $('key-input').value = '';
      if (!key) return;
      sessionStorage.setItem(STORAGE_KEY, key);
      void load();
    });
    $('forget-key').addEventListener('click', () => askForKey(''));
    for (const a of document.querySelectorAll('a[data-download]')) {
      a.addEventListener('click', (e) => {
        e.preventDefault();
        download(a.dataset.download, a).catch((err) => setState('error', err.message, true));
      });
    }
    window.addEventListener('hashchange', () => {
      takeKeyFromFragment();
      void load();
    });
    void load();
  });
})();
