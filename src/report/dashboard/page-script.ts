// The dashboard page's script (browser JavaScript, kept as text): chart panes (one chart, or one per market), fills with hover details, figures, feed health, risk events.

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
  const STATE_COLOR = { active: '#1f9d55', reducing: '#d69e2e', halted: '#c53030' };
  const fmt = (x, d) => (x === null || x === undefined || !isFinite(x) ? '–' : Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
  const signed = (x, d) => (x === null || x === undefined || !isFinite(x) ? '–' : (x > 0 ? '+' : '') + fmt(x, d));
  function setSigned(id, x, d) { const e = $(id); e.textContent = signed(x, d); e.className = 'v' + (x > 0 ? ' pos' : x < 0 ? ' neg' : ''); }
  // A missing quote is whitespace: the line stops there instead of staying at the last price.
  const val = (p, key) => (p[key] === null || p[key] === undefined ? { time: p.t } : { time: p.t, value: p[key] });
  const stateBar = (p) => ({ time: p.t, value: 1, color: STATE_COLOR[p.state] || '#a0aec0' });
  // One chart: the price pane (mid, our bid and ask, fills as markers), inventory, PnL (o.pnl), the state band;
  // a fill's details under the pointer. The page has one (a single market) or one per market.
  function makeChart(el, tip, o) {
    const chart = LC.createChart(el, {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#1d232b', fontSize: o.small ? 11 : 12, panes: { separatorColor: '#dde1e6' } },
      localization: { timeFormatter: (t) => utc(t, true) + ' UTC' },
      timeScale: { timeVisible: true, secondsVisible: true, tickMarkFormatter: tickMark },
      rightPriceScale: { borderVisible: false },
    });
    const c = { chart, priceDec: 2, qtyDec: 5, fills: [], points: 0, lastT: 0, lastBid: null, lastAsk: null };
    c.mid = chart.addSeries(LC.LineSeries, { color: '#718096', lineWidth: 1, title: o.small ? '' : 'mid', priceLineVisible: false }, 0);
    c.bid = chart.addSeries(LC.LineSeries, { color: '#1f9d55', lineWidth: 2, title: 'bid', lineType: 1, priceLineVisible: false }, 0);
    c.ask = chart.addSeries(LC.LineSeries, { color: '#c53030', lineWidth: 2, title: 'ask', lineType: 1, priceLineVisible: false }, 0);
    c.inv = chart.addSeries(LC.LineSeries, { color: '#6b46c1', lineWidth: 2, lineType: 1, title: o.small ? 'inv' : 'inventory', priceLineVisible: false }, 1);
    c.pnl = o.pnl ? chart.addSeries(LC.BaselineSeries, { baseValue: { type: 'price', price: 0 }, lineWidth: 2, title: 'PnL', priceLineVisible: false }, 2) : null;
    c.state = chart.addSeries(LC.HistogramSeries, { title: o.small ? '' : 'state', priceLineVisible: false, lastValueVisible: false, base: 0, priceFormat: { type: 'price', precision: 0, minMove: 1 } }, o.pnl ? 3 : 2);
    // Price on top; inventory (and PnL) below it; the state band last, thin (shares of the chart's height).
    (o.pnl ? [0.58, 0.17, 0.17, 0.05] : [0.7, 0.24, 0.06]).forEach((f, i) => { const p = chart.panes()[i]; if (p) p.setStretchFactor(f); });
    const markers = LC.createSeriesMarkers(c.mid, []);
    // The price scale covers our fills in view too: a fill between two quote samples may lie outside every line.
    c.mid.applyOptions({
      autoscaleInfoProvider: (original) => {
        const r = original();
        const vr = chart.timeScale().getVisibleRange();
        if (vr === null) return r;
        let lo = r ? r.priceRange.minValue : Infinity;
        let hi = r ? r.priceRange.maxValue : -Infinity;
        for (const f of c.fills) if (f.t >= vr.from && f.t <= vr.to) { if (f.price < lo) lo = f.price; if (f.price > hi) hi = f.price; }
        return lo <= hi ? { priceRange: { minValue: lo, maxValue: hi }, margins: r ? r.margins : undefined } : r;
      },
    });
    let pointerIn = false;
    el.addEventListener('mouseenter', () => { pointerIn = true; });
    el.addEventListener('mouseleave', () => { pointerIn = false; });
    c.decimals = (priceDec, qtyDec) => {
      c.priceDec = priceDec; c.qtyDec = qtyDec;
      c.mid.applyOptions({ priceFormat: { type: 'price', precision: priceDec, minMove: Math.pow(10, -priceDec) } });
      c.inv.applyOptions({ priceFormat: { type: 'price', precision: qtyDec, minMove: Math.pow(10, -qtyDec) } });
    };
    function redraw() {
      markers.setMarkers(c.fills.map((f) => ({ time: f.t, position: 'atPriceMiddle', price: f.price, color: f.side > 0 ? '#1f9d55' : '#c53030', shape: f.side > 0 ? 'arrowUp' : 'arrowDown', size: 0.6 })));
      // The axis label of a series shows its last value: hide it when no order rests on that side.
      c.bid.applyOptions({ lastValueVisible: c.lastBid !== null, title: c.lastBid !== null ? 'bid' : '' });
      c.ask.applyOptions({ lastValueVisible: c.lastAsk !== null, title: c.lastAsk !== null ? 'ask' : '' });
    }
    // Everything (a snapshot): the series replaced.
    c.load = (points, fills) => {
      c.mid.setData(points.filter((p) => p.mid !== null).map((p) => val(p, 'mid')));
      c.bid.setData(points.map((p) => val(p, 'bid')));
      c.ask.setData(points.map((p) => val(p, 'ask')));
      c.inv.setData(points.map((p) => val(p, 'inv')));
      if (c.pnl) c.pnl.setData(points.map((p) => val(p, 'pnl')));
      c.state.setData(points.map(stateBar));
      c.fills = fills.slice(); c.points = points.length;
      const last = points[points.length - 1];
      c.lastT = last ? last.t : 0;
      c.lastBid = last ? last.bid : null; c.lastAsk = last ? last.ask : null;
      chart.timeScale().fitContent();
      redraw();
    };
    // What is new (an update).
    c.extend = (points, fills) => {
      for (const p of points) {
        // An update may repeat points this page already has (it joined between two pushes): skip older ones.
        if (p.t < c.lastT) continue;
        c.lastT = p.t;
        if (p.mid !== null) c.mid.update(val(p, 'mid'));
        c.bid.update(val(p, 'bid')); c.ask.update(val(p, 'ask'));
        c.inv.update(val(p, 'inv'));
        if (c.pnl) c.pnl.update(val(p, 'pnl'));
        c.state.update(stateBar(p));
        c.lastBid = p.bid; c.lastAsk = p.ask;
      }
      c.points += points.length;
      const lastFill = c.fills.length > 0 ? c.fills[c.fills.length - 1].t : 0;
      c.fills = c.fills.concat(fills.filter((f) => f.t >= lastFill));
      // While the whole run fits at a readable spacing it stays in view; past that the chart scrolls with the data.
      // Never under the pointer: what it hovers stays where it is.
      if (!pointerIn && points.length > 0 && c.mid.data().length * 3 <= el.clientWidth) chart.timeScale().fitContent();
      redraw();
    };
    // Where fill i is drawn, in the chart's pixels (null when off screen).
    c.fillPoint = (i) => {
      const f = c.fills[i];
      if (!f) return null;
      const x = chart.timeScale().timeToCoordinate(f.t);
      const y = c.mid.priceToCoordinate(f.price);
      return x === null || y === null ? null : { x, y };
    };
    // How many points each series holds (whitespace not counted): what the chart actually draws.
    c.counts = () => {
      const n = (s) => s.data().filter((d) => d.value !== undefined).length;
      return { mid: n(c.mid), bid: n(c.bid), ask: n(c.ask), inv: n(c.inv), fills: c.fills.length, width: el.clientWidth, height: el.clientHeight };
    };
    // Fill details on hover: the fills drawn at the hovered point (between the midpoints to its neighbours).
    chart.subscribeCrosshairMove((param) => {
      if (!param || param.time === undefined || !param.point || param.logical === undefined) { tip.style.display = 'none'; return; }
      const T = param.time;
      const prev = c.mid.dataByIndex(param.logical - 1);
      const next = c.mid.dataByIndex(param.logical + 1);
      const lo = prev && prev.time < T ? (prev.time + T) / 2 : T - 0.5;
      const hi = next && next.time > T ? (T + next.time) / 2 : T + 0.5;
      const here = c.fills.filter((f) => f.t > lo && f.t <= hi);
      if (here.length === 0) { tip.style.display = 'none'; return; }
      tip.textContent = here.slice(-6).map((f) => utc(f.t, false) + '  ' + (f.side > 0 ? 'BUY ' : 'SELL') + ' ' + Number(f.qty).toFixed(c.qtyDec) + ' @ ' + Number(f.price).toFixed(c.priceDec) + (f.fee !== undefined && f.fee !== null ? '  fee ' + Number(f.fee).toFixed(4) : '') + (f.liquidity ? ' ' + f.liquidity : '')).join('\n') + (here.length > 6 ? '\n… ' + (here.length - 6) + ' more' : '');
      tip.style.display = 'block';
      const x = Math.min(param.point.x + 14, el.clientWidth - tip.offsetWidth - 4);
      tip.style.left = x + 'px';
      tip.style.top = Math.max(4, param.point.y - 10) + 'px';
    });
    return c;
  }
  const main = makeChart($('chart'), $('tip'), { pnl: true });
  let priceDec = 2;
  let qtyDec = 5;
  // Several markets: one small chart each, side by side, under a line of its own figures.
  const cards = new Map();
  function layoutCards() {
    const box = $('charts');
    const n = Math.max(1, cards.size);
    const cols = Math.max(1, Math.min(n, Math.floor((box.clientWidth || 900) / 400)));
    box.style.setProperty('--rows', String(Math.ceil(n / cols)));
  }
  window.addEventListener('resize', layoutCards);
  function card(name) {
    let k = cards.get(name);
    if (k) return k;
    const div = document.createElement('div');
    div.className = 'card'; div.dataset.market = name;
    const head = document.createElement('div'); head.className = 'card-head';
    const title = document.createElement('span'); title.className = 'name'; title.textContent = name;
    const badge = document.createElement('span'); badge.className = 'st-badge unknown'; badge.textContent = '…';
    const figs = document.createElement('span'); figs.className = 'figs';
    head.append(title, badge, figs);
    const box = document.createElement('div'); box.className = 'mchart';
    const tip = document.createElement('div'); tip.className = 'tip'; box.appendChild(tip);
    div.append(head, box);
    $('charts').appendChild(div);
    k = { div, title, badge, figs, c: makeChart(box, tip, { small: true }) };
    cards.set(name, k);
    layoutCards();
    return k;
  }
  function marketCharts(list, full) {
    const multi = Array.isArray(list);
    document.querySelector('main').classList.toggle('multi', multi);
    $('legend-one').hidden = multi; $('legend-many').hidden = !multi;
    // Several markets: the panel is the whole book's; a mid or an inventory of one market has no place there.
    $('s-title').textContent = multi ? 'The book: PnL of every market' : 'Position and PnL';
    $('s-mid-row').hidden = multi; $('s-inventory-row').hidden = multi;
    if (full) {
      const keep = new Set(multi ? list.map((x) => x.name) : []);
      for (const [name, k] of cards) if (!keep.has(name)) { k.c.chart.remove(); k.div.remove(); cards.delete(name); }
      layoutCards();
    }
    if (!multi) return;
    for (const x of list) {
      const k = card(x.name);
      k.c.decimals(x.price_decimals, x.qty_decimals);
      if (full) k.c.load(x.points, x.fills); else k.c.extend(x.points, x.fills);
    }
  }
  let mode = 'live';
  window.__dashboard = {
    points: () => main.points,
    fills: () => main.fills.length,
    state: () => $('state').textContent,
    markets: () => Array.from(document.querySelectorAll('#markets-rows tr')).map((tr) => ({ name: tr.dataset.market, state: tr.querySelector('.st-badge').textContent, cells: Array.from(tr.children).map((td) => td.textContent) })),
    lastQuotes: () => ({ bid: main.lastBid, ask: main.lastAsk }),
    // Where fill i is drawn, in the chart's pixels (null when off screen): for tests and tools.
    fillPoint: (i) => main.fillPoint(i),
    // Several markets: each market's chart, in the page's order, with what its series hold.
    charts: () => Array.from(cards).map(([name, k]) => ({ name, ...k.c.counts() })),
    chartFillPoint: (name, i) => (cards.has(name) ? cards.get(name).c.fillPoint(i) : null),
  };
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
    $('markets-book').textContent = '· book PnL ' + signed(b.pnl, 2) + ' · notional ' + fmt(b.notional, 2) + ' · drawdown ' + fmt(b.drawdown, 2);
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
      // The market's chart: its figures in its head line; a click on the row brings it into view.
      const k = cards.get(r.name);
      if (k) {
        k.title.textContent = r.name + (r.symbol && r.symbol !== r.name ? ' · ' + r.symbol : '');
        k.badge.textContent = r.trading_state; k.badge.className = 'st-badge ' + r.trading_state; k.badge.title = (r.reasons || []).join('\n');
        k.figs.innerHTML = '';
        const fig = (label, text, cls) => { const e = document.createElement('span'); e.textContent = label + ' ' + text; if (cls) e.className = cls; k.figs.appendChild(e); };
        fig('mid', fmt(r.mid, r.price_decimals));
        fig('pos', fmt(r.inventory, k.c.qtyDec));
        fig('PnL', signed(r.pnl, 2), r.pnl > 0 ? 'pos' : r.pnl < 0 ? 'neg' : '');
        fig('fills', String(r.fills));
        fig('open', String(r.open_orders));
        tr.style.cursor = 'pointer';
        tr.onclick = () => k.div.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
      }
    }
  }
  function stats(s) {
    if (typeof s.price_decimals === 'number') priceDec = s.price_decimals;
    if (typeof s.qty_decimals === 'number') qtyDec = s.qty_decimals;
    main.decimals(priceDec, qtyDec);
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
      main.load(m.points, m.fills);
      risk(m.risk, true);
    } else {
      main.extend(m.points, m.fills);
      risk(m.risk, false);
    }
    marketCharts(m.charts, m.type === 'snapshot');
    stats(m.stats);
  }
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
