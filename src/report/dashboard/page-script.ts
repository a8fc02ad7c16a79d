// The dashboard page's script (browser JavaScript, kept as text): chart panes, fills with hover details, figures, feed health, risk events.

/** Plain ES2020 for the browser; it reads window.LightweightCharts and talks to the server the page came from. */
export function dashboardScript(): string {
  return String.raw`(function () {
  const LC = window.LightweightCharts;
  const $ = (id) => document.getElementById(id);
  const p2 = (n) => String(n).padStart(2, '0');
  // Every time is UTC and 24-hour, from the data's own clock (the points carry it).
  function utc(t, withDate) {
    const d = new Date(t * 1000);
    const clock = p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ':' + p2(d.getUTCSeconds());
    return withDate ? d.getUTCFullYear() + '-' + p2(d.getUTCMonth() + 1) + '-' + p2(d.getUTCDate()) + ' ' + clock : clock;
  }
  function tickMark(t, type) {
    const d = new Date(t * 1000);
    if (type === 0) return String(d.getUTCFullYear());
    if (type === 1) return d.getUTCFullYear() + '-' + p2(d.getUTCMonth() + 1);
    if (type === 2) return p2(d.getUTCMonth() + 1) + '-' + p2(d.getUTCDate());
    if (type === 3) return p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes());
    return p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ':' + p2(d.getUTCSeconds());
  }
  const el = $('chart');
  const chart = LC.createChart(el, {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#1d232b', panes: { separatorColor: '#dde1e6' } },
    localization: { timeFormatter: (t) => utc(t, true) + ' UTC' },
    timeScale: { timeVisible: true, secondsVisible: true, tickMarkFormatter: tickMark },
    rightPriceScale: { borderVisible: false },
  });
  let priceDec = 2;
  let qtyDec = 5;
  const fmtPrice = (x) => Number(x).toFixed(priceDec);
  const mid = chart.addSeries(LC.LineSeries, { color: '#718096', lineWidth: 1, title: 'mid', priceLineVisible: false }, 0);
  const bid = chart.addSeries(LC.LineSeries, { color: '#1f9d55', lineWidth: 2, title: 'bid', lineType: 1, priceLineVisible: false }, 0);
  const ask = chart.addSeries(LC.LineSeries, { color: '#c53030', lineWidth: 2, title: 'ask', lineType: 1, priceLineVisible: false }, 0);
  const inv = chart.addSeries(LC.LineSeries, { color: '#6b46c1', lineWidth: 2, lineType: 1, title: 'inventory', priceLineVisible: false }, 1);
  const pnl = chart.addSeries(LC.BaselineSeries, { baseValue: { type: 'price', price: 0 }, lineWidth: 2, title: 'PnL', priceLineVisible: false }, 2);
  const state = chart.addSeries(LC.HistogramSeries, { title: 'state', priceLineVisible: false, lastValueVisible: false, base: 0, priceFormat: { type: 'price', precision: 0, minMove: 1 } }, 3);
  // Price on top; inventory and PnL below it; the state band last, thin (shares of the chart's height).
  [0.58, 0.17, 0.17, 0.05].forEach((f, i) => { const p = chart.panes()[i]; if (p) p.setStretchFactor(f); });
  const markers = LC.createSeriesMarkers(mid, []);
  const STATE_COLOR = { active: '#1f9d55', reducing: '#d69e2e', halted: '#c53030' };
  let fills = [];
  let points = 0;
  let lastT = 0;
  let lastBid = null;
  let lastAsk = null;
  let mode = 'live';
  window.__dashboard = {
    points: () => points,
    fills: () => fills.length,
    state: () => $('state').textContent,
    markets: () => Array.from(document.querySelectorAll('#markets-rows tr')).map((tr) => ({ name: tr.dataset.market, state: tr.querySelector('.st-badge').textContent, cells: Array.from(tr.children).map((td) => td.textContent) })),
    lastQuotes: () => ({ bid: lastBid, ask: lastAsk }),
    // Where fill i is drawn, in the chart's pixels (null when off screen): for tests and tools.
    fillPoint: (i) => {
      const f = fills[i];
      if (!f) return null;
      const x = chart.timeScale().timeToCoordinate(f.t);
      const y = mid.priceToCoordinate(f.price);
      return x === null || y === null ? null : { x, y };
    },
  };
  const fmt = (x, d) => (x === null || x === undefined || !isFinite(x) ? '–' : Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
  const signed = (x, d) => (x === null || x === undefined || !isFinite(x) ? '–' : (x > 0 ? '+' : '') + fmt(x, d));
  function setSigned(id, x, d) { const e = $(id); e.textContent = signed(x, d); e.className = 'v' + (x > 0 ? ' pos' : x < 0 ? ' neg' : ''); }
  // A missing quote is whitespace: the line stops there instead of staying at the last price.
  const val = (p, key) => (p[key] === null || p[key] === undefined ? { time: p.t } : { time: p.t, value: p[key] });
  const stateBar = (p) => ({ time: p.t, value: 1, color: STATE_COLOR[p.state] || '#a0aec0' });
  function markersOf() {
    return fills.map((f) => ({ time: f.t, position: 'atPriceMiddle', price: f.price, color: f.side > 0 ? '#1f9d55' : '#c53030', shape: f.side > 0 ? 'arrowUp' : 'arrowDown', size: 0.6 }));
  }
  function quotesShown() {
    // The axis label of a series shows its last value: hide it when no order rests on that side.
    bid.applyOptions({ lastValueVisible: lastBid !== null, title: lastBid !== null ? 'bid' : '' });
    ask.applyOptions({ lastValueVisible: lastAsk !== null, title: lastAsk !== null ? 'ask' : '' });
  }
  function header(s) {
    $('title').textContent = s.title;
    document.title = s.title + ' — marketmakerl';
    $('kind').textContent = s.source_kind || s.source;
    const st = $('state');
    st.textContent = s.trading_state; st.className = s.trading_state;
    $('updated').textContent = s.source + ' · data time ' + (s.updated_utc ? s.updated_utc.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') + ' UTC' : '–');
    $('halt').hidden = !(s.source_kind === 'live paper' || s.source_kind === 'live' || s.source_kind === 'ledger');
  }
  // Several markets in one loop: one row each (the header and the totals are the whole book's).
  function marketsTable(s) {
    const rows = Array.isArray(s.markets) ? s.markets : null;
    $('markets-panel').hidden = rows === null;
    document.querySelector('main').classList.toggle('with-markets', rows !== null);
    if (rows === null) return;
    const b = s.book || {};
    $('markets-book').textContent = '· book PnL ' + signed(b.pnl, 2) + ' · notional ' + fmt(b.notional, 2) + ' · drawdown ' + fmt(b.drawdown, 2) + (s.chart_market ? ' · chart: ' + s.chart_market : '');
    const tb = $('markets-rows');
    tb.innerHTML = '';
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.dataset.market = r.name;
      const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; };
      cell(r.name + (r.symbol && r.symbol !== r.name ? ' (' + r.symbol + ')' : ''));
      const st = document.createElement('td'); const badge = document.createElement('span'); badge.className = 'st-badge ' + r.trading_state; badge.textContent = r.trading_state; badge.title = (r.reasons || []).join('\n');
      badge.style.cssText = 'color:#fff;border-radius:8px;padding:1px 8px;font-size:11px;font-weight:700;text-transform:uppercase'; st.appendChild(badge); tr.appendChild(st);
      cell(fmt(r.mid, r.price_decimals), 'v'); cell(fmt(r.bid, r.price_decimals), 'v'); cell(fmt(r.ask, r.price_decimals), 'v');
      cell(fmt(r.inventory, qtyDec), 'v');
      const pn = cell(signed(r.pnl, 2), 'v' + (r.pnl > 0 ? ' pos' : r.pnl < 0 ? ' neg' : ''));
      pn.title = 'realized ' + fmt(r.realized_pnl, 2) + ' · fees ' + fmt(r.fees, 2);
      cell(String(r.fills), 'v'); cell(String(r.open_orders), 'v');
      cell(r.connected === null || r.connected === undefined ? '–' : (r.connected ? 'ok' : 'DOWN') + (r.gaps ? ' · ' + r.gaps + ' gaps' : ''));
      tb.appendChild(tr);
    }
  }
  function stats(s) {
    if (typeof s.price_decimals === 'number') priceDec = s.price_decimals;
    if (typeof s.qty_decimals === 'number') qtyDec = s.qty_decimals;
    mid.applyOptions({ priceFormat: { type: 'price', precision: priceDec, minMove: Math.pow(10, -priceDec) } });
    inv.applyOptions({ priceFormat: { type: 'price', precision: qtyDec, minMove: Math.pow(10, -qtyDec) } });
    header(s);
    $('s-mid').textContent = fmt(s.mid, priceDec);
    $('s-inventory').textContent = fmt(s.inventory, qtyDec);
    setSigned('s-pnl', s.pnl, 2);
    setSigned('s-realized', s.realized_pnl, 2);
    setSigned('s-unrealized', s.unrealized_pnl, 2);
    $('s-fees').textContent = fmt(s.fees, 2);
    $('s-equity').textContent = fmt(s.equity, 2);
    $('s-open').textContent = s.open_orders;
    $('s-fills').textContent = s.fills;
    $('f-feed').textContent = s.feed || '–';
    $('f-connected').textContent = s.connected === undefined ? '–' : s.connected ? 'yes' : 'NO';
    $('f-skew').textContent = s.clock_skew_ms === undefined || s.clock_skew_ms === null ? '–' : fmt(s.clock_skew_ms, 1) + ' ms';
    const us = (x) => (x === undefined || x === null ? '–' : x >= 1000 ? fmt(x / 1000, 1) + ' ms' : fmt(x, 0) + ' µs');
    $('f-latency').textContent = us(s.decision_latency_p50_us) + ' / ' + us(s.decision_latency_p99_us);
    $('f-faults').textContent = s.reconnects === undefined ? '–' : s.reconnects + ' · ' + s.gaps + ' · ' + s.resyncs;
    marketsTable(s);
  }
  function risk(lines, replace) {
    const ol = $('risk');
    if (replace) ol.innerHTML = '';
    for (const r of lines) {
      const li = document.createElement('li');
      li.className = r.state;
      li.textContent = utc(r.t, false) + (r.state ? ' [' + r.state + '] ' : ' ') + r.kind + ': ' + r.reason;
      ol.insertBefore(li, ol.firstChild);
    }
    while (ol.children.length > 30) ol.removeChild(ol.lastChild);
    $('risk-none').style.display = ol.children.length > 0 ? 'none' : '';
    $('risk-none').textContent = mode === 'live' ? 'none since the start' : 'none recorded in this run';
  }
  function apply(m) {
    if (m.type === 'snapshot') {
      mid.setData(m.points.filter((p) => p.mid !== null).map((p) => val(p, 'mid')));
      bid.setData(m.points.map((p) => val(p, 'bid')));
      ask.setData(m.points.map((p) => val(p, 'ask')));
      inv.setData(m.points.map((p) => val(p, 'inv')));
      pnl.setData(m.points.map((p) => val(p, 'pnl')));
      state.setData(m.points.map(stateBar));
      fills = m.fills.slice(); points = m.points.length;
      const last = m.points[m.points.length - 1];
      lastT = last ? last.t : 0;
      lastBid = last ? last.bid : null; lastAsk = last ? last.ask : null;
      risk(m.risk, true);
      chart.timeScale().fitContent();
    } else {
      for (const p of m.points) {
        // An update may repeat points this page already has (it joined between two pushes): skip older ones.
        if (p.t < lastT) continue;
        lastT = p.t;
        if (p.mid !== null) mid.update(val(p, 'mid'));
        bid.update(val(p, 'bid')); ask.update(val(p, 'ask'));
        inv.update(val(p, 'inv')); pnl.update(val(p, 'pnl'));
        state.update(stateBar(p));
        lastBid = p.bid; lastAsk = p.ask;
      }
      points += m.points.length;
      const lastFill = fills.length > 0 ? fills[fills.length - 1].t : 0;
      fills = fills.concat(m.fills.filter((f) => f.t >= lastFill));
      risk(m.risk, false);
    }
    markers.setMarkers(markersOf());
    quotesShown();
    stats(m.stats);
  }
  // Fill details on hover: the fills drawn at the hovered point (between the midpoints to its neighbours).
  const tip = $('tip');
  chart.subscribeCrosshairMove((param) => {
    if (!param || param.time === undefined || !param.point || param.logical === undefined) { tip.style.display = 'none'; return; }
    const T = param.time;
    const prev = mid.dataByIndex(param.logical - 1);
    const next = mid.dataByIndex(param.logical + 1);
    const lo = prev && prev.time < T ? (prev.time + T) / 2 : T - 0.5;
    const hi = next && next.time > T ? (T + next.time) / 2 : T + 0.5;
    const here = fills.filter((f) => f.t > lo && f.t <= hi);
    if (here.length === 0) { tip.style.display = 'none'; return; }
    tip.textContent = here.slice(-6).map((f) => utc(f.t, false) + '  ' + (f.side > 0 ? 'BUY ' : 'SELL') + ' ' + Number(f.qty).toFixed(qtyDec) + ' @ ' + fmtPrice(f.price) + (f.fee !== undefined && f.fee !== null ? '  fee ' + Number(f.fee).toFixed(4) : '') + (f.liquidity ? ' ' + f.liquidity : '')).join('\n') + (here.length > 6 ? '\n… ' + (here.length - 6) + ' more' : '');
    tip.style.display = 'block';
    const x = Math.min(param.point.x + 14, el.clientWidth - tip.offsetWidth - 4);
    tip.style.left = x + 'px';
    tip.style.top = Math.max(4, param.point.y - 10) + 'px';
  });
  function connect() {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onmessage = (e) => { if (mode === 'live') apply(JSON.parse(e.data)); };
    ws.onclose = () => setTimeout(connect, 1000);
  }
  connect();
  fetch('/api/runs').then((r) => r.json()).then((runs) => {
    const sel = $('runs');
    for (const run of runs) {
      const o = document.createElement('option');
      const name = typeof run === 'string' ? run : run.name;
      o.value = name; o.textContent = typeof run === 'string' ? run : run.label;
      sel.appendChild(o);
    }
    sel.onchange = () => {
      mode = sel.value === '' ? 'live' : 'run';
      fetch(sel.value === '' ? '/api/state' : '/api/run?name=' + encodeURIComponent(sel.value)).then((r) => r.json()).then(apply);
    };
  });
  $('halt').onclick = () => {
    if (confirm('Halt the running loop (cancel every order, quote nothing)?')) fetch('/halt', { method: 'POST' });
  };
})();`;
}
