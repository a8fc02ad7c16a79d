// The run report of a tick run that hits its risk limits on the real capture: the risk events and the order audit print what the run folder records (metrics.json, orders.csv, fills.csv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTickJob, writeTickRunFolder } from '../../src/engine/index.js';
import { renderRunReport } from '../../src/report/run-report.js';
import { readRunFolder } from '../../src/report/dashboard/run-folders.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { flatConfig } from '../fixtures/trading-config.js';

/** Rows of a headed CSV (no quoting in these files). */
const csv = (path: string): Array<Record<string, string>> => {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const h = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [h[i]!, v])));
};
/** The cells of the rows of the table with class `cls`, as text. */
const tableRows = (html: string, cls: string): string[][] => {
  const t = new RegExp(`<table class="${cls}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '';
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(t)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!));
};

test('tick run report: risk events and order audit as the run folder records them; the dashboard lists the same events', async () => {
  const events = ensureSharedCaptureArrow();
  // A drawdown limit the run reaches and an inventory threshold it crosses: reducing, then halted.
  const cfg = flatConfig({ events, model: 'glft', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', order_latency_ms: 5, maker_fee_bps: -0.5, partial_fills: true, risk: { max_drawdown: 15, reduce_at_inventory_fraction: 0.6 } });
  const job = runTickJob(cfg);
  const root = mkdtempSync(join(tmpdir(), 'mm-audit-'));
  const dir = join(root, 'tick-risk');
  writeTickRunFolder(dir, { config: { run_id: 'tick-risk', ...job.resolved }, metrics: job.metrics, trace: job.trace, fills: job.core.fills, stats: job.stats, audit: job.exchange.audit, tickSize: cfg.market.tick_size });
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as { risk: { final_state: string; transitions_total: number; transitions: Array<{ ts: string; condition: string; raised: boolean; to: string }> } };
  assert.equal(m.risk.final_state, 'halted', 'the drawdown limit halts the run');
  assert.ok(m.risk.transitions.some((t) => t.condition === 'inventory' && t.raised), 'the inventory threshold is crossed');
  const html = await renderRunReport(dir);

  // Risk events: one row per recorded change, in order, with the state it moved to.
  assert.match(html, new RegExp(`<td[^>]*>${m.risk.transitions_total} changes · 0 denied</td>`));
  const ev = tableRows(html, 'events');
  assert.equal(ev.length, m.risk.transitions.length);
  ev.forEach((row, i) => {
    const t = m.risk.transitions[i]!;
    assert.equal(row[0], t.ts.replace('T', ' ').replace('Z', ''));
    assert.equal(row[1], t.condition);
    assert.equal(row[2], t.raised ? 'raised' : 'cleared');
    assert.ok(row[3]!.endsWith(t.to), `${row[3]} ends in ${t.to}`);
    assert.doesNotMatch(row[4]!, /\d\.\d{11,}/, 'no float noise in the reason');
  });

  // Order audit: the end reasons add up to every order of orders.csv; queue at join from its column.
  const orders = csv(join(dir, 'orders.csv'));
  const audit = tableRows(html, 'orders').filter((r) => /^ {2}(filled|canceled|rejected|open|expired)/.test(r[0]!));
  assert.equal(audit.reduce((a, r) => a + Number(r[1]), 0), orders.length);
  assert.equal(Number(audit.find((r) => r[0]!.trim() === 'filled')?.[1] ?? 0), orders.filter((o) => o['end_reason'] === 'filled').length);
  const behind = orders.filter((o) => Number(o['queue_ahead']) > 0).length;
  assert.match(html, new RegExp(`<td>joined behind resting size</td><td>${behind} \\(`));

  // Fills with the exchange trade that filled each one, and the queue its order joined.
  const fills = csv(join(dir, 'fills.csv'));
  const listed = tableRows(html, 'fills');
  assert.equal(listed.length, Math.min(25, fills.length));
  const queueOf = new Map(orders.map((o) => [o['order_id'], Number(o['queue_ahead'])]));
  listed.forEach((row, i) => {
    const f = fills[i]!;
    assert.ok(f['trade_id'] !== '' && row[7] === f['trade_id'], `fill ${i}: trade id ${row[7]} vs ${f['trade_id']}`);
    assert.equal(row[5], f['order_id']);
    assert.equal(Number(row[6]), queueOf.get(f['order_id']));
    assert.equal(row[0], new Date(Number(f['ts'])).toISOString().slice(5, 23).replace('T', ' '));
  });

  // The dashboard opens the same run with its final state and the same events.
  const snap = readRunFolder(root, 'tick-risk')!;
  assert.match(snap.stats.source, /final state halted/);
  assert.equal(snap.risk.length, Math.min(50, m.risk.transitions.length));
  assert.equal(snap.risk.at(-1)!.state, m.risk.transitions.at(-1)!.to);
});
