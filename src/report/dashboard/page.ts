// The dashboard page: one self-contained HTML document (the chart library is served by the same server).

/** The page; `title` is escaped. It loads /lightweight-charts.js and talks to /ws, /api/state, /api/runs and /halt. */
export function dashboardPage(title: string): string {
  const t = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t} — marketmakerl</title>
<style>
  :root { color-scheme: light; font-family: system-ui, sans-serif; }
  body { margin: 0; background: #f6f7f9; color: #1d232b; }
  header { display: flex; gap: 16px; align-items: center; padding: 10px 16px; background: #1d232b; color: #fff; }
  header h1 { font-size: 16px; margin: 0; font-weight: 600; }
  #state { padding: 2px 10px; border-radius: 10px; font-weight: 700; text-transform: uppercase; font-size: 12px; }
  .active { background: #1f9d55; } .reducing { background: #d69e2e; } .halted { background: #c53030; } .unknown, .finished { background: #718096; }
  main { display: grid; grid-template-columns: 1fr 320px; gap: 12px; padding: 12px; }
  #chart { height: 460px; background: #fff; border: 1px solid #dde1e6; }
  .panel { background: #fff; border: 1px solid #dde1e6; padding: 10px 12px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td { padding: 3px 0; } td.v { text-align: right; font-variant-numeric: tabular-nums; }
  #risk { font-size: 12px; max-height: 260px; overflow: auto; margin: 0; padding-left: 16px; }
  #risk li { margin-bottom: 4px; }
  button { background: #c53030; color: #fff; border: 0; padding: 6px 12px; cursor: pointer; font-weight: 600; }
  select { max-width: 220px; }
  .muted { color: #718096; font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>${t}</h1><span id="state" class="unknown">unknown</span>
  <span class="muted" id="updated">waiting for data</span>
  <span style="flex:1"></span>
  <select id="runs" title="finished backtest runs"><option value="">live</option></select>
  <button id="halt" title="kill switch: halt the running loop">HALT</button>
</header>
<main>
  <div><div id="chart"></div><div class="muted">mid (grey), our bid (green), our ask (red); fills as markers</div></div>
  <div>
    <div class="panel"><table id="stats">
      <tr><td>mid</td><td class="v" id="s-mid">–</td></tr>
      <tr><td>inventory</td><td class="v" id="s-inventory">–</td></tr>
      <tr><td>realized PnL</td><td class="v" id="s-realized">–</td></tr>
      <tr><td>unrealized PnL</td><td class="v" id="s-unrealized">–</td></tr>
      <tr><td>equity</td><td class="v" id="s-equity">–</td></tr>
      <tr><td>open orders</td><td class="v" id="s-open">–</td></tr>
      <tr><td>fills</td><td class="v" id="s-fills">–</td></tr>
    </table></div>
    <div class="panel" style="margin-top:12px"><b>Last risk events</b><ol id="risk" reversed></ol></div>
  </div>
</main>
<script src="/lightweight-charts.js"></script>
<script>
(function () {
  const LC = window.LightweightCharts;
  const chart = LC.createChart(document.getElementById('chart'), {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#1d232b' },
    timeScale: { timeVisible: true, secondsVisible: true },
    rightPriceScale: { borderVisible: false },
  });
  const mid = chart.addSeries(LC.LineSeries, { color: '#718096', lineWidth: 1, title: 'mid' });
  const bid = chart.addSeries(LC.LineSeries, { color: '#1f9d55', lineWidth: 2, title: 'bid', lineType: 1 });
  const ask = chart.addSeries(LC.LineSeries, { color: '#c53030', lineWidth: 2, title: 'ask', lineType: 1 });
  const markers = LC.createSeriesMarkers(mid, []);
  let fills = [];
  let points = 0;
  let lastT = 0;
  let mode = 'live';
  window.__dashboard = { points: () => points, fills: () => fills.length, state: () => document.getElementById('state').textContent };
  const fmt = (x, d) => (x === null || x === undefined || !isFinite(x) ? '–' : Number(x).toFixed(d));
  function pointsOf(ps, key) { return ps.filter((p) => p[key] !== null).map((p) => ({ time: p.t, value: p[key] })); }
  function markersOf() {
    // At the fill's own price: a buy's arrow points up from below it, a sell's down from above.
    return fills.map((f) => ({ time: f.t, position: f.side > 0 ? 'atPriceBottom' : 'atPriceTop', price: f.price, color: f.side > 0 ? '#1f9d55' : '#c53030', shape: f.side > 0 ? 'arrowUp' : 'arrowDown', text: (f.side > 0 ? 'B ' : 'S ') + f.qty }));
  }
  function stats(s) {
    const st = document.getElementById('state');
    st.textContent = s.trading_state; st.className = s.trading_state;
    document.getElementById('updated').textContent = s.source + ' · ' + s.updated_utc;
    document.getElementById('s-mid').textContent = fmt(s.mid, 2);
    document.getElementById('s-inventory').textContent = fmt(s.inventory, 6);
    document.getElementById('s-realized').textContent = fmt(s.realized_pnl, 4);
    document.getElementById('s-unrealized').textContent = fmt(s.unrealized_pnl, 4);
    document.getElementById('s-equity').textContent = fmt(s.equity, 2);
    document.getElementById('s-open').textContent = s.open_orders;
    document.getElementById('s-fills').textContent = s.fills;
  }
  function risk(lines, replace) {
    const ol = document.getElementById('risk');
    if (replace) ol.innerHTML = '';
    for (const r of lines) {
      const li = document.createElement('li');
      li.textContent = new Date(r.t * 1000).toISOString().slice(11, 19) + ' [' + r.state + '] ' + r.kind + ': ' + r.reason;
      ol.insertBefore(li, ol.firstChild);
    }
    while (ol.children.length > 30) ol.removeChild(ol.lastChild);
  }
  function apply(m) {
    if (m.type === 'snapshot') {
      mid.setData(pointsOf(m.points, 'mid')); bid.setData(pointsOf(m.points, 'bid')); ask.setData(pointsOf(m.points, 'ask'));
      fills = m.fills.slice(); points = m.points.length;
      lastT = m.points.length > 0 ? m.points[m.points.length - 1].t : 0;
      risk(m.risk, true);
      chart.timeScale().fitContent();
    } else {
      for (const p of m.points) {
        // An update may repeat points this page already has (it joined between two pushes): skip older ones.
        if (p.t < lastT) continue;
        lastT = p.t;
        if (p.mid !== null) mid.update({ time: p.t, value: p.mid });
        if (p.bid !== null) bid.update({ time: p.t, value: p.bid });
        if (p.ask !== null) ask.update({ time: p.t, value: p.ask });
      }
      points += m.points.length;
      const lastFill = fills.length > 0 ? fills[fills.length - 1].t : 0;
      fills = fills.concat(m.fills.filter((f) => f.t >= lastFill));
      risk(m.risk, false);
    }
    markers.setMarkers(markersOf());
    stats(m.stats);
  }
  function connect() {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onmessage = (e) => { if (mode === 'live') apply(JSON.parse(e.data)); };
    ws.onclose = () => setTimeout(connect, 1000);
  }
  connect();
  fetch('/api/runs').then((r) => r.json()).then((runs) => {
    const sel = document.getElementById('runs');
    for (const name of runs) { const o = document.createElement('option'); o.value = name; o.textContent = name; sel.appendChild(o); }
    sel.onchange = () => {
      mode = sel.value === '' ? 'live' : 'run';
      fetch(sel.value === '' ? '/api/state' : '/api/run?name=' + encodeURIComponent(sel.value)).then((r) => r.json()).then(apply);
    };
  });
  document.getElementById('halt').onclick = () => {
    if (confirm('Halt the running loop (cancel every order, quote nothing)?')) fetch('/halt', { method: 'POST' });
  };
})();
</script>
</body>
</html>
`;
}
