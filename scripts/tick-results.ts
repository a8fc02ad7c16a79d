// The README's tick results: AS and GLFT on the shared capture at two latencies, through the CLI; prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'marketmakerl');
const captureDir = join(root, '..', 'shared', 'data', 'binance-l2-trades-hftbacktest-20240808', 'spot');
// Converted afresh each time, into a temporary folder: a file converted by an older converter is never reused.
const tmp = mkdtempSync(join(tmpdir(), 'mm-tick-results-'));
const events = join(tmp, 'binance-btcusdt-20240808.arrow');
const params = ['--gamma', '0.0001', '--horizon-seconds', '60', '--order-qty', '0.001', '--max-inventory', '0.01', '--maker-fee-bps', '0'];

const files = readdirSync(captureDir).filter((f) => f.endsWith('.gz')).sort().map((f) => join(captureDir, f));
execFileSync(cli, ['convert', ...files, '--out', events], { stdio: ['ignore', 'ignore', 'inherit'] });

interface Markout {
  horizon_seconds: number;
  mean_bps: number | null;
}
const rows: string[] = [];
for (const model of ['as', 'glft']) {
  for (const ms of [5, 50]) {
    const out = join(root, 'artifacts', 'runs', `tick-${model}-${ms}ms`);
    const args = ['backtest', '--events', events, '--model', model, ...params, '--feed-latency-ms', String(ms), '--order-latency-ms', String(ms), '--out', out, '--force'];
    execFileSync(cli, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, number | null | Markout[] | { mean: number } | string>;
    const n = (k: string, d = 2): string => (typeof m[k] === 'number' ? (m[k] as number).toFixed(d) : '—');
    const mk = (m['markouts_seconds'] as Markout[]).map((x) => (x.mean_bps === null ? '—' : x.mean_bps.toFixed(2)));
    const q = m['queue_position_at_fill'] as { mean: number } | null;
    // Every fill checked against the raw capture's trades by the independent checker.
    const v = JSON.parse(execFileSync(cli, ['verify-fills', out, '--capture', ...files], { encoding: 'utf8' })) as { violations_total: number };
    rows.push(
      `| ${model.toUpperCase()} | ${ms} ms | ${m['fills']} | ${n('trade_through_fills', 0)} | ${n('fill_ratio', 3)} | ${n('pnl_spread_capture')} | ${n('pnl_inventory')} | ${n('pnl_fees')} | ${n('total_pnl')} | ${mk.join(' / ')} | ${q ? q.mean.toFixed(4) : '—'} | ${n('two_sided_share', 2)} | ${v.violations_total} |`,
    );
  }
}
console.log('| model | latency (feed = order) | fills | of which sweeps | fill ratio | spread capture | inventory | fees | total PnL (USDT) | markout 1 s / 10 s / 60 s (bps) | queue ahead at join (BTC) | two-sided | verify-fills violations |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
rmSync(tmp, { recursive: true, force: true });
console.log(`\nparameters: ${params.join(' ')}; queue risk-averse; run folders in artifacts/runs/tick-*`);
