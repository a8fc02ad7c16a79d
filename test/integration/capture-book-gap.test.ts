// The shared Binance captures hold no sequence break; here one is cut into each (a lost depth message), as a collector would
// have logged it: convert marks it, the tick backtest halts and fills nothing on the unknown book, verify-fills agrees, and a
// replay that ignores the gap (its file without gap rows) is caught by verify-fills from the raw capture alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readEventFile } from '../../src/data/index.js';
import { allocEvents, EventType, type EventColumns } from '../../src/market/index.js';
import { runTickJob, writeTickRunFolder, type TradingConfig } from '../../src/engine/index.js';
import { verifyFills } from '../../src/verify/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { sharedCaptureFiles } from '../fixtures/capture.js';
import { sharedUsdmFiles, USDM_MARKET } from '../fixtures/usdm-capture.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-capture-gap-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const linesOf = (files: readonly string[]): string[] => files.flatMap((f) => gunzipSync(readFileSync(f)).toString('utf8').split('\n').filter((l) => l.length > 0));
const body = (line: string): Record<string, unknown> => {
  const msg = JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, unknown>;
  return (msg['data'] ?? msg) as Record<string, unknown>;
};
const isDepth = (line: string): boolean => line.includes('"depthUpdate"');

/**
 * The capture with depth message `cut` (0-based among the depth messages) lost, and, when `resyncAfter` is given, a REST
 * snapshot logged 1 ns after depth message `resyncAfter`: the book as the whole stream had it then (rebuilt from every
 * message, the lost one included: what the venue showed), `lastUpdateId` that message's `u`.
 */
function withBreak(lines: readonly string[], cut: number, resyncAfter?: number): string[] {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  const levels = (into: Map<string, string>, rows: [string, string][]): void => {
    for (const [p, q] of rows) {
      if (Number(q) > 0) into.set(p, q);
      else into.delete(p);
    }
  };
  let lastU = Number.NaN;
  const out: string[] = [];
  let k = -1;
  for (const line of lines) {
    const d = body(line);
    if (Array.isArray(d['bids'])) {
      levels(bids, d['bids'] as [string, string][]);
      levels(asks, d['asks'] as [string, string][]);
      lastU = d['lastUpdateId'] as number;
    } else if (isDepth(line)) {
      k++;
      // Diffs apply from the one after the snapshot (the shared captures have no break: checked by the converter's tests).
      if ((d['u'] as number) > lastU) {
        levels(bids, d['b'] as [string, string][]);
        levels(asks, d['a'] as [string, string][]);
        lastU = d['u'] as number;
      }
      if (k === cut) continue;
      if (k === resyncAfter) {
        out.push(line);
        const ns = (BigInt(line.slice(0, line.indexOf(' '))) + 1n).toString();
        const side = (m: Map<string, string>, dir: number): [string, string][] => [...m].sort((a, b) => dir * (Number(a[0]) - Number(b[0])));
        out.push(`${ns} ${JSON.stringify({ lastUpdateId: lastU, bids: side(bids, -1), asks: side(asks, 1) })}`);
        continue;
      }
    }
    out.push(line);
  }
  return out;
}

/** The same events without their gap rows: what a converter that did not mark breaks wrote. */
function withoutGapRows(ev: EventColumns): EventColumns {
  const keep: number[] = [];
  for (let i = 0; i < ev.length; i++) if (ev.type[i] !== EventType.Gap) keep.push(i);
  const out = allocEvents(keep.length);
  for (const i of keep) {
    const k = out.length++;
    for (const c of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) out[c][k] = ev[c][i]!;
  }
  return out;
}

function runFolder(cfg: TradingConfig, ev: EventColumns, name: string, tickSize: number): { out: string; r: ReturnType<typeof runTickJob> } {
  const r = runTickJob(cfg, [ev]);
  const out = join(dir, name);
  writeTickRunFolder(out, { config: r.resolved, metrics: r.metrics, trace: r.trace, fills: r.core.fills, stats: r.stats, audit: r.exchange.audit, tickSize });
  return { out, r };
}

test('spot, one depth message lost and a snapshot 150 s later: convert marks the gap and the resync, backtest --events halts in it and says so, verify-fills passes the run and catches one that ignored the gap', () => {
  const lines = linesOf(sharedCaptureFiles());
  const cut = 3000;
  const raw = join(dir, 'spot_gap.gz');
  writeFileSync(raw, gzipSync(withBreak(lines, cut, cut + 1500).join('\n') + '\n'));
  const arrow = join(dir, 'spot_gap.arrow');
  const conv = JSON.parse(execFileSync(process.execPath, cliArgs('convert', raw, '--out', arrow), { cwd: CLI_CWD, encoding: 'utf8', stdio: 'pipe' }).trim());
  assert.equal(conv.book_gaps, 1, JSON.stringify(conv));
  assert.equal(conv.resyncs, 1);
  const file = readEventFile(arrow);
  assert.equal(file.meta['marketmakerl.format'], 'marketmakerl.events/3');
  const gapRows = [...file.events.type.keys()].filter((i) => file.events.type[i] === EventType.Gap);
  assert.equal(gapRows.length, 1);
  // The break shows at the next depth message: the gap row carries its exchange time.
  const next = body(lines.filter(isDepth)[cut + 1]!);
  assert.equal(file.events.tsExchange[gapRows[0]!], (next['E'] as number) * 1000);

  // The CLI: the summary line and metrics.json report the gap; the session halted for it and quoted again after.
  const out = join(dir, 'spot-run');
  const line = JSON.parse(execFileSync(process.execPath, cliArgs('backtest', '--events', arrow, '--model', 'glft', '--gamma', '0.0001', '--out', out, '--json'), { cwd: CLI_CWD, encoding: 'utf8' }).trim().split('\n').pop()!);
  assert.equal(line.book_gaps, 1, JSON.stringify(line));
  assert.ok(line.book_gap_seconds > 140 && line.book_gap_seconds < 160, `book_gap_seconds ${line.book_gap_seconds}`);
  assert.equal(line.gap_open_at_end, false);
  assert.ok(line.halted_seconds >= 140, `halted ${line.halted_seconds} s`);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.book_gaps.count, 1);
  assert.deepEqual(m.risk.transitions.filter((t: { condition: string }) => t.condition === 'book-gap').map((t: { raised: boolean }) => t.raised), [true, false]);
  const v = verifyFills(out, [raw]);
  assert.equal(v.book_gaps, 1);
  assert.equal(v.violations_total, 0, JSON.stringify(v.examples.slice(0, 3)));
  assert.ok(v.fills > 100, `fills ${v.fills}`);
  // Fills before and after the gap, none in it.
  const fillRows = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n');
  const at = fillRows[0]!.split(',').indexOf('ts_exchange_us');
  const fills = fillRows.slice(1).map((l) => Number(l.split(',')[at]));
  const gapAt = file.events.tsExchange[gapRows[0]!]!;
  assert.ok(fills.some((t) => t < gapAt) && fills.some((t) => t > gapAt + 150e6), 'fills on both sides of the gap');

  // The same replay without the gap row (a file converted before breaks were marked): it fills on the frozen book, and
  // verify-fills, reading the raw capture alone, calls those fills what they are.
  const cfg = flatConfig({ events: arrow, model: 'glft', gamma: 0.0001 });
  const blind = runFolder(cfg, withoutGapRows(file.events), 'spot-blind', 0.01);
  assert.equal(blind.r.metrics.book_gaps.count, 0);
  const vb = verifyFills(blind.out, [raw]);
  assert.ok(vb.violations.book_unknown > 10, `book_unknown ${vb.violations.book_unknown}`);
  const cliBlind = spawnSync(process.execPath, cliArgs('verify-fills', blind.out, '--capture', raw), { cwd: CLI_CWD, encoding: 'utf8' });
  assert.equal(cliBlind.status, 1);
  assert.match(cliBlind.stderr, /book_unknown \d+/);
});

test('USD-M, one depth message lost and no snapshot after it (the pu rule): the gap lasts to the end, nothing fills after the break, verify-fills agrees', () => {
  const lines = linesOf(sharedUsdmFiles());
  const cut = 3000;
  const raw = join(dir, 'usdm_gap.gz');
  writeFileSync(raw, gzipSync(withBreak(lines, cut).join('\n') + '\n'));
  const arrow = join(dir, 'usdm_gap.arrow');
  const conv = JSON.parse(execFileSync(process.execPath, cliArgs('convert', raw, '--out', arrow), { cwd: CLI_CWD, encoding: 'utf8', stdio: 'pipe' }).trim());
  assert.deepEqual([conv.book_gaps, conv.resyncs], [1, 0]);
  const ev = readEventFile(arrow).events;
  const gapRow = [...ev.type.keys()].find((i) => ev.type[i] === EventType.Gap)!;
  const next = body(lines.filter(isDepth)[cut + 1]!);
  assert.equal(ev.tsExchange[gapRow], (next['T'] as number) * 1000, "the breaking message's T");
  const cfg = flatConfig({ events: arrow, market: USDM_MARKET, model: 'glft', gamma: 0.0001, order_qty: 0.01, max_inventory_qty: 0.1 });
  const { out, r } = runFolder(cfg, ev, 'usdm-run', 0.1);
  assert.equal(r.metrics.book_gaps.count, 1);
  assert.equal(r.metrics.book_gaps.open_at_end, true);
  assert.equal(r.metrics.risk.final_state, 'halted');
  const f = r.stats.exchangeTs.subarray(0, r.stats.length);
  assert.ok(f.length > 0 && f.every((t) => t <= ev.tsExchange[gapRow]!), 'every fill before the break');
  const v = verifyFills(out, [raw]);
  assert.equal(v.violations_total, 0, JSON.stringify(v.examples.slice(0, 3)));
  const blind = runFolder(cfg, withoutGapRows(ev), 'usdm-blind', 0.1);
  assert.ok(verifyFills(blind.out, [raw]).violations.book_unknown > 10);
});

test('the shared captures as they are: no break in either stream (spot U = u + 1, USD-M pu = u), so no gap rows', () => {
  for (const files of [sharedCaptureFiles(), sharedUsdmFiles()]) {
    const arrow = join(dir, `as-is-${files.length}.arrow`);
    const conv = JSON.parse(execFileSync(process.execPath, cliArgs('convert', ...files, '--out', arrow), { cwd: CLI_CWD, encoding: 'utf8', stdio: 'pipe' }).trim());
    assert.deepEqual([conv.book_gaps, conv.resyncs], [0, 0]);
  }
});
