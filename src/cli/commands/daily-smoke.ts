// `marketmakerl daily-smoke`: fetch, one day of history, a one-day backtest and a 5-iteration paper session against the exchange (or
// --exchange-url), each step timed; one JSON line; exit 1 at the first step that fails.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { UserError, mkdirNewFolder, mkdirNewStamped, readConfigMapping, removeCreatedDirs, utcStamp, writeFileAtomic } from '../../core/index.js';
import { runChain, type Step } from '../../ops/index.js';

export interface DailySmokeFlags {
  exchange: string;
  symbol: string;
  timeframe: string;
  exchangeUrl?: string;
  end?: string;
  config?: string;
  iterations: number;
  pollSeconds: number;
  out?: string;
}

export function dailySmokeCommand(f: DailySmokeFlags): void {
  if (!Number.isInteger(f.iterations) || f.iterations < 1 || f.iterations > 1000) throw new UserError(`--iterations: expected a whole number in [1, 1000], got ${f.iterations}`);
  if (f.end !== undefined && !Number.isFinite(Date.parse(f.end))) throw new UserError(`--end: expected an ISO-8601 time, got '${f.end}'`);
  if (f.config !== undefined && !existsSync(f.config)) throw new UserError(`--config: cannot read file ${f.config}`);
  // The config's trading sections, with the exchange as the only data source (a data path would conflict with --exchange).
  const doc = f.config === undefined ? undefined : readConfigMapping(f.config);
  if (doc !== undefined) delete doc['data'];
  // The folder is created now, exclusively, under the output rules (refused in one line before any step); the
  // default one is new by its name: two checks started in the same second get one each (the second <stamp>_2).
  const folder =
    f.out === undefined
      ? mkdirNewStamped(resolve('artifacts', 'smoke', `smoke_${utcStamp(new Date())}`))
      : { path: resolve(f.out), created: mkdirNewFolder(f.out, '--out', 'a smoke check writes into a new folder only', { files: [f.config] }) };
  const out = folder.path;
  let cfg: string[] = [];
  if (doc !== undefined) {
    const derived = join(out, 'smoke-config.yaml');
    writeFileAtomic(derived, `# ${f.config} without its data section: the smoke check reads the exchange\n${stringify(doc)}`);
    cfg = ['--config', derived];
  }
  const ex = ['--exchange', f.exchange, '--symbol', f.symbol];
  const url = f.exchangeUrl !== undefined ? ['--exchange-url', f.exchangeUrl] : [];
  const end = f.end !== undefined ? ['--end', f.end] : [];
  const cache = ['--cache-dir', join(out, 'history')];
  const steps: Step[] = [
    { step: 'fetch', args: ['fetch', ...ex, '--timeframe', f.timeframe, '--output-dir', join(out, 'fetch'), ...url] },
    {
      step: 'history',
      args: ['history', ...ex, '--timeframe', f.timeframe, '--days', '1', ...end, ...cache, ...url],
      holds: (r) => (typeof r?.['rows'] === 'number' && r['rows'] > 0 ? undefined : 'history: no bars cached for the last day'),
    },
    {
      step: 'backtest',
      args: ['backtest', ...ex, '--timeframe', f.timeframe, '--days', '1', ...end, ...cache, ...url, ...cfg, '--out', join(out, 'backtest')],
      holds: (r) => (typeof r?.['bars'] === 'number' && r['bars'] > 0 ? undefined : 'backtest: no bars replayed'),
    },
    {
      step: 'paper',
      args: ['realtime', '--mode', 'paper', ...ex, '--timeframe', f.timeframe, '--iterations', String(f.iterations), '--poll-seconds', String(f.pollSeconds), ...url, ...cfg, '--ledger', join(out, 'paper', 'ledger.sqlite'), '--halt-file', join(out, 'paper', 'HALT'), '--out-dir', join(out, 'paper')],
      holds: (r) =>
        r?.['summary'] !== true
          ? 'paper: no summary line'
          : r['iterations'] !== f.iterations
            ? `paper: ${String(r['iterations'])} of ${f.iterations} iterations (ended by ${String(r['ended_by'])})`
            : !(Number(r['book_updates']) > 0)
              ? 'paper: no book update from the exchange'
              : undefined,
    },
  ];
  const chain = runChain(steps, (r) => process.stderr.write(`daily-smoke: ${r.step}: ${r.ok ? 'ok' : `FAILED (${r.error})`} in ${r.seconds} s\n`));
  const line = {
    check: 'daily-smoke',
    ok: chain.ok,
    exchange: f.exchange,
    symbol: f.symbol,
    exchange_url: f.exchangeUrl ?? null,
    out,
    steps: chain.results.map((r) => ({ step: r.step, ok: r.ok, exit_code: r.exit_code, seconds: r.seconds, ...(r.error ? { error: r.error } : {}) })),
    not_run: chain.not_run,
    seconds: Math.round(chain.results.reduce((s, r) => s + r.seconds, 0) * 100) / 100,
  };
  process.stdout.write(JSON.stringify(line) + '\n');
  // A check that wrote nothing (its first step failed) leaves no empty folder behind.
  removeCreatedDirs(folder.created);
  if (!chain.ok) process.exitCode = 1;
}
