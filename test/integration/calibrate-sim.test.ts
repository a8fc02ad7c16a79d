// calibrate-sim against the fake exchange's own matching engine: the hidden queue family, its parameter and the latencies recovered from live sessions on the event clock.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TradingConfigSchema } from '../../src/engine/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { calibrateSim } from '../../src/research/calibrate-sim.js';
import { CLI, REPO_ROOT } from '../fixtures/shared-data.js';
import { CLAIMED_SIM, liveOnHiddenEngine, recordingOf, sessionMarket, type Hidden } from './calibration-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-calibrate-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const within = (x: number, truth: number, frac: number): boolean => Math.abs(x - truth) <= frac * truth;
const powerN = (q: string): number => Number(/^power:(\d+)$/.exec(q)?.[1] ?? Number.NaN);

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

/** The hidden truth of the main session: power-law queue N = 3, entry 30 ± 6 ms and response 20 ± 2 ms, jittered. */
const TRUTH: Hidden = { queue: { family: 'power', n: 3 }, entry: { ms: 30, jitter: 6 }, response: { ms: 20, jitter: 2 } };

interface CliFit {
  run_id: string;
  sim: Record<string, unknown>;
  entry_latency: { median_ms: number; ci95_ms: [number, number]; samples: number };
  response_latency: { median_ms: number; ci95_ms: [number, number]; samples: number };
  queue: { model: string; ci95: string[]; power_n_ci95: [number, number] | null; orders: number; orders_filled: number; candidates: { queue: string; matched: number }[] };
}

test('from one 10-minute live session (event clock), calibrate-sim recovers the hidden power-law queue (N within ±1) and both latencies within 10%, read-only, as a strict sim: section', async () => {
  const dir = join(tmp, 'main');
  const ev = sessionMarket();
  const minutes = (ev.tsExchange[ev.length - 1]! - ev.tsExchange[0]!) / 60e6;
  assert.ok(minutes > 10, `the capture spans ${minutes} min`);
  mkdirSync(dir);
  const ledger = join(dir, 'ledger.sqlite');
  const live = await liveOnHiddenEngine(ev, TRUTH, ledger);
  assert.ok(live.fills > 300 && live.orders > 500, `a session with something to fit: ${live.orders} orders, ${live.fills} fills`);
  const events = recordingOf(ev, dir);

  const before = sha(ledger);
  const files = readdirSync(dir).sort();
  const out = join(dir, 'sim.yaml');
  const r = cli('calibrate-sim', '--ledger', ledger, '--events', events, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const fit = JSON.parse(r.stdout) as CliFit;

  // The latencies: within 10% of the hidden centres.
  assert.ok(within(fit.entry_latency.median_ms, 30, 0.1), `entry ${JSON.stringify(fit.entry_latency)}`);
  assert.ok(within(fit.response_latency.median_ms, 20, 0.1), `response ${JSON.stringify(fit.response_latency)}`);
  assert.ok(fit.entry_latency.samples > 100 && fit.response_latency.samples > 300);
  // The queue: the power family, N within ±1 of 3, and the truth inside the likelihood set.
  const n = powerN(fit.queue.model);
  assert.ok(Math.abs(n - 3) <= 1, `queue ${fit.queue.model}; ${JSON.stringify(fit.queue.candidates)}`);
  assert.ok(fit.queue.ci95.includes('power:3'), `95% set ${fit.queue.ci95.join(', ')}`);
  assert.ok(fit.queue.power_n_ci95 !== null && fit.queue.power_n_ci95[0] <= 3 && fit.queue.power_n_ci95[1] >= 3);
  // The other families explain the fills worse: the fit tells them apart.
  const matched = (q: string) => fit.queue.candidates.find((c) => c.queue === q)!.matched;
  assert.ok(matched(fit.queue.model) > matched('risk-averse') && matched(fit.queue.model) > matched('power:1') && matched(fit.queue.model) > matched('log'));

  // The section is the config's own, strict; fees kept from the session's config, the fit in place of its claims.
  assert.deepEqual(fit.sim, { ...TradingConfigSchema.parse({ sim: CLAIMED_SIM }).sim, queue: fit.queue.model, entry_latency_ms: fit.entry_latency.median_ms, response_latency_ms: fit.response_latency.median_ms });
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^# Simulator calibrated by marketmakerl calibrate-sim from live run live_calibration/);
  assert.match(text, /# queue: power:\d+, reproducing \d+ of \d+ resting orders/);
  const parsed = TradingConfigSchema.parse(parse(text));
  assert.deepEqual(parsed.sim, fit.sim);
  // Read-only: the ledger's bytes are as they were, and nothing new beside it but --out (and SQLite's empty
  // sidecars of a read in WAL mode).
  assert.equal(sha(ledger), before);
  const sidecars = ['ledger.sqlite-shm', 'ledger.sqlite-wal'];
  assert.deepEqual(readdirSync(dir).filter((f) => !sidecars.includes(f)).sort(), [...files, 'sim.yaml'].filter((f) => !sidecars.includes(f)).sort());
  if (existsSync(`${ledger}-wal`)) assert.equal(readFileSync(`${ledger}-wal`).length, 0, 'nothing was written through the ledger');
  // An existing --out is not replaced without --force.
  const again = cli('calibrate-sim', '--ledger', ledger, '--events', events, '--out', out);
  assert.equal(again.status, 2);
  assert.match(again.stderr.trim(), /--out/);
});

test('a different hidden truth moves the fit the right way: FIFO is found as risk-averse; a steeper power law and slower links raise N and the latencies', async () => {
  const ev = sessionMarket(300);
  const runs: { hidden: Hidden; fit: ReturnType<typeof calibrateSim> }[] = [];
  for (const [name, hidden] of [
    ['fifo', { queue: { family: 'fifo' }, entry: { ms: 10, jitter: 0 }, response: { ms: 10, jitter: 0 } }],
    ['steep', { queue: { family: 'power', n: 7 }, entry: { ms: 60, jitter: 10 }, response: { ms: 40, jitter: 4 } }],
  ] as const) {
    const dir = mkdtempSync(join(tmp, `${name}-`));
    const ledger = join(dir, 'ledger.sqlite');
    await liveOnHiddenEngine(ev, hidden, ledger);
    runs.push({ hidden, fit: calibrateSim({ ledger, events: recordingOf(ev, dir) }) });
  }
  const [fifo, steep] = runs as [(typeof runs)[number], (typeof runs)[number]];
  assert.equal(fifo.fit.queue.queue, 'risk-averse', JSON.stringify(fifo.fit.queue.candidates));
  assert.equal(fifo.fit.latency.entry.median_ms, 10);
  assert.equal(fifo.fit.latency.response.median_ms, 10);
  const n = powerN(steep.fit.queue.queue);
  assert.ok(n >= 5, `steep: ${steep.fit.queue.queue}; ${JSON.stringify(steep.fit.queue.candidates)}`);
  assert.ok(within(steep.fit.latency.entry.median_ms, 60, 0.1), JSON.stringify(steep.fit.latency.entry));
  assert.ok(within(steep.fit.latency.response.median_ms, 40, 0.1), JSON.stringify(steep.fit.latency.response));
});

test('a session killed while recording: calibrate-sim reads its linked partial recording as far as it was written, as it reads the same file given with --events', async () => {
  const dir = mkdtempSync(join(tmp, 'partial-'));
  const ev = sessionMarket(300);
  const ledger = join(dir, 'ledger.sqlite');
  await liveOnHiddenEngine(ev, TRUTH, ledger);
  // What a killed `realtime --record session.arrow` leaves: the ledger's link still says recording, and only the partial file exists.
  const full = recordingOf(ev, dir);
  const arrow = join(dir, 'killed.arrow');
  copyFileSync(full, `${arrow}.partial`);
  const l = new Ledger(ledger);
  l.db.prepare("INSERT OR REPLACE INTO recordings(run_id, path, path_from_ledger, status) VALUES ('live_calibration', ?, 'killed.arrow', 'recording')").run(arrow);
  l.close();
  const linked = cli('calibrate-sim', '--ledger', ledger);
  assert.equal(linked.status, 0, linked.stderr);
  const given = cli('calibrate-sim', '--ledger', ledger, '--events', `${arrow}.partial`);
  assert.equal(given.status, 0, given.stderr);
  const a = JSON.parse(linked.stdout) as CliFit & { events: string };
  const b = JSON.parse(given.stdout) as CliFit & { events: string };
  assert.equal(a.events, `${arrow}.partial`);
  assert.deepEqual(a.sim, b.sim);
  assert.equal(a.queue.orders, b.queue.orders);
});

test('calibrate-sim refuses, in one line with exit 2 and nothing written, a ledger without what it needs', () => {
  const dir = mkdtempSync(join(tmp, 'bad-'));
  const ev = sessionMarket(20);
  const events = recordingOf(ev, dir);
  const t0 = ev.tsExchange[0]!;
  const pos = { position: 0.001, cash: -60, avgCost: 60_000, realizedPnl: 0, fees: 0 };
  const make = (name: string, mode: 'paper' | 'live', at: number, receipts: boolean): string => {
    const p = join(dir, `${name}.sqlite`);
    const l = new Ledger(p);
    l.startRun({ runId: name, mode, exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1_000 }, new Date(0));
    l.placed(at, 1, 1, 60_000, 0.001);
    l.orderEvent(at + 40_000, 1, 'accepted');
    l.fill(at + 100_000, 1, 1, 60_000, 0.001, 0, 'maker', pos);
    if (receipts) l.orderEvent(at + 120_000, 1, 'fill-received');
    l.close();
    return p;
  };
  const cases: [string, string[], RegExp][] = [
    ['paper run', ['--ledger', make('paper', 'paper', t0, false), '--events', events], /^error: --ledger: run paper is a paper run/],
    ['no fill receipts', ['--ledger', make('old', 'live', t0, false), '--events', events], /^error: --ledger: run old has no fill receipts/],
    ['another market', ['--ledger', make('elsewhere', 'live', t0 - 86_400e6, true), '--events', events], /^error: --events: .* not the session's market/],
    ['unknown session', ['--ledger', join(dir, 'old.sqlite'), '--events', events, '--session', 'nope'], /^error: --session: no run 'nope'/],
    ['no ledger', ['--ledger', join(dir, 'missing.sqlite'), '--events', events], /^error: --ledger: no ledger at/],
    ['no event file', ['--ledger', join(dir, 'elsewhere.sqlite'), '--events', join(dir, 'missing.arrow')], /^error: .*missing\.arrow/],
    ['no linked recording', ['--ledger', join(dir, 'elsewhere.sqlite')], /^error: --ledger: run elsewhere has no linked recording/],
  ];
  for (const [what, args, message] of cases) {
    const out = join(dir, `${what.replaceAll(' ', '-')}.yaml`);
    const r = cli('calibrate-sim', ...args, '--out', out);
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
    assert.match(lines[0]!, message, what);
    assert.equal(r.stdout, '', what);
    assert.ok(!existsSync(out), `${what}: nothing written`);
  }
});
