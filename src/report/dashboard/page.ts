// The dashboard page: one self-contained HTML document (the chart library is served by the same server).
import { dashboardScript } from './page-script.js';

/** The page; `title` is escaped. It loads /lightweight-charts.js and talks to /ws, /api/state, /api/runs and /halt. */
export function dashboardPage(title: string, opts: { statusLink?: boolean } = {}): string {
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
  header { display: flex; gap: 14px; align-items: center; padding: 8px 16px; background: #1d232b; color: #fff; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; font-weight: 600; }
  #kind { font-size: 12px; padding: 2px 8px; border: 1px solid #718096; border-radius: 10px; }
  #state { padding: 2px 10px; border-radius: 10px; font-weight: 700; text-transform: uppercase; font-size: 12px; }
  .active { background: #1f9d55; } .reducing { background: #d69e2e; } .halted { background: #c53030; } .unknown, .finished { background: #718096; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) 330px; gap: 12px; padding: 12px; }
  #chart { height: calc(100vh - 110px); min-height: 520px; background: #fff; border: 1px solid #dde1e6; position: relative; }
  #tip, .tip { position: absolute; z-index: 5; pointer-events: none; display: none; background: rgba(29,35,43,.92); color: #fff; font-size: 12px; padding: 6px 8px; border-radius: 4px; white-space: pre; font-variant-numeric: tabular-nums; }
  .panel { background: #fff; border: 1px solid #dde1e6; padding: 8px 12px; margin-bottom: 12px; }
  .panel h2 { font-size: 13px; margin: 0 0 6px; text-transform: uppercase; letter-spacing: .04em; color: #4a5568; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td { padding: 2px 0; } td.v { text-align: right; font-variant-numeric: tabular-nums; }
  #markets th { font-size: 12px; color: #4a5568; text-align: left; font-weight: 600; padding: 2px 6px 4px 0; } #markets th.v { text-align: right; }
  #markets td { padding: 3px 6px 3px 0; border-top: 1px solid #edf0f3; } #markets td.st { font-size: 11px; font-weight: 700; text-transform: uppercase; color: #fff; border-radius: 8px; padding: 1px 8px; }
  #markets-panel[hidden] { display: none; }
  main.with-markets #chart { height: calc(100vh - 260px); min-height: 420px; }
  #charts { display: none; gap: 10px; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); }
  main.multi #charts { display: grid; } main.multi #chart { display: none; }
  .card { background: #fff; border: 1px solid #dde1e6; min-width: 0; }
  .card-head { display: flex; gap: 10px; align-items: center; padding: 4px 8px; font-size: 12px; border-bottom: 1px solid #edf0f3; flex-wrap: wrap; font-variant-numeric: tabular-nums; }
  .card-head .name { font-weight: 700; font-size: 13px; }
  .card-head .figs { display: flex; gap: 10px; color: #4a5568; }
  .st-badge { color: #fff; border-radius: 8px; padding: 1px 8px; font-size: 11px; font-weight: 700; text-transform: uppercase; }
  .mchart { position: relative; height: max(240px, calc((100vh - 300px) / var(--rows, 1) - 40px)); }
  .pos { color: #1a7f37; } .neg { color: #c62828; }
  #risk { font-size: 12px; max-height: 220px; overflow: auto; margin: 0; padding-left: 0; list-style: none; }
  #risk li { margin-bottom: 4px; border-left: 3px solid #a0aec0; padding-left: 6px; }
  #risk li.halted { border-color: #c53030; } #risk li.reducing { border-color: #d69e2e; } #risk li.active { border-color: #1f9d55; }
  button { background: #c53030; color: #fff; border: 0; padding: 6px 12px; cursor: pointer; font-weight: 600; }
  button[hidden] { display: none; }
  select { max-width: 260px; }
  .muted { color: #a0aec0; font-size: 12px; }
  .legend { color: #4a5568; font-size: 12px; padding: 4px 2px; }
  .legend b { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 10px; vertical-align: -1px; }
</style>
</head>
<body>
<header>
  <h1 id="title">${t}</h1><span id="kind">…</span><span id="state" class="unknown">unknown</span>
  <span class="muted" id="updated">waiting for data</span>
  <span style="flex:1"></span>${opts.statusLink === true ? '\n  <a href="/status/" style="color:#fff;font-size:13px">status page</a>' : ''}
  <select id="runs" title="what this dashboard shows"><option value="">live</option></select>
  <button id="halt" title="kill switch: halt the running loop">HALT</button>
</header>
<main>
  <div>
    <div class="panel" id="markets-panel" hidden><h2>Markets <span class="muted" id="markets-book"></span></h2><table id="markets">
      <thead><tr><th>market</th><th>state</th><th class="v">mid</th><th class="v">our bid</th><th class="v">our ask</th><th class="v">position</th><th class="v">PnL</th><th class="v">fills</th><th class="v">open</th><th>feed</th></tr></thead>
      <tbody id="markets-rows"></tbody></table></div>
    <div id="chart"><div id="tip"></div></div>
    <div id="charts"></div>
    <div class="legend" id="legend-many" hidden>each market: price (<b style="background:#718096"></b>mid <b style="background:#1f9d55"></b>our bid <b style="background:#c53030"></b>our ask, fills ▲ buy ▼ sell, hover for details) · inventory · trading state (<b style="background:#1f9d55"></b>active <b style="background:#d69e2e"></b>reducing <b style="background:#c53030"></b>halted) · a row of the table brings its chart into view · times UTC</div>
    <div class="legend" id="legend-one">price: <b style="background:#718096"></b>mid <b style="background:#1f9d55"></b>our bid <b style="background:#c53030"></b>our ask (cleared when no order rests) · fills: ▲ buy ▼ sell, hover for details · panes below: inventory, PnL, trading state (<b style="background:#1f9d55"></b>active <b style="background:#d69e2e"></b>reducing <b style="background:#c53030"></b>halted) · times UTC</div>
  </div>
  <div>
    <div class="panel"><h2 id="s-title">Position and PnL</h2><table>
      <tr id="s-mid-row"><td>mid</td><td class="v" id="s-mid">–</td></tr>
      <tr id="s-inventory-row"><td>inventory</td><td class="v" id="s-inventory">–</td></tr>
      <tr><td><b>PnL</b></td><td class="v" id="s-pnl">–</td></tr>
      <tr><td>&nbsp;&nbsp;realized</td><td class="v" id="s-realized">–</td></tr>
      <tr><td>&nbsp;&nbsp;unrealized</td><td class="v" id="s-unrealized">–</td></tr>
      <tr><td>&nbsp;&nbsp;fees</td><td class="v" id="s-fees">–</td></tr>
      <tr><td>equity</td><td class="v" id="s-equity">–</td></tr>
      <tr><td>open orders</td><td class="v" id="s-open">–</td></tr>
      <tr><td>fills</td><td class="v" id="s-fills">–</td></tr>
    </table></div>
    <div class="panel"><h2>Feed health</h2><table id="feed">
      <tr><td>feed</td><td class="v" id="f-feed">–</td></tr>
      <tr><td>connected</td><td class="v" id="f-connected">–</td></tr>
      <tr><td>clock skew (local − exchange)</td><td class="v" id="f-skew">–</td></tr>
      <tr><td>decision latency p50 / p99</td><td class="v" id="f-latency">–</td></tr>
      <tr><td>reconnects · gaps · resyncs</td><td class="v" id="f-faults">–</td></tr>
    </table></div>
    <div class="panel"><h2>Last risk events</h2><ol id="risk"></ol><div class="muted" id="risk-none">none yet</div></div>
  </div>
</main>
<script src="/lightweight-charts.js"></script>
<script>
${dashboardScript()}
</script>
</body>
</html>
`;
}
