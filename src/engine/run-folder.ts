// The run folder: config.json, metrics.json (+ its JSON Schema), trace.csv and fills.csv, written atomically.
import { join } from 'node:path';
import { z } from 'zod';
import { writeDirAtomic, type DirWriteOptions } from '../core/index.js';
import { decimalsOf } from '../market/index.js';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { MetricsSchema, type Metrics } from './metrics.js';
import type { Trace } from './trace.js';
import { STATE_NAMES } from './risk-record.js';
import type { FillLog } from './fill-log.js';

export interface RunOutputs {
  config: unknown;
  metrics: Metrics;
  trace: Trace;
  fills: FillLog;
  tickSize: number;
}

const num = (x: number): string => (Number.isFinite(x) ? String(x) : '');
const fixed = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : '');

const TRACE_HEADER = 'ts,bid,ask,inventory,cash,equity,mid,reservation,trading_state';
const FILLS_HEADER = 'ts,side,price,qty,fee,liquidity,order_id,sample';

/**
 * Row i of the trace CSV; `pd`: the price decimals of the tick size. Quotes are on the tick; the mid of a
 * one-tick spread is half a tick off it, so it (and the reservation price) keeps one decimal more.
 */
function traceRow(trace: Trace, i: number, pd: number): string {
  return `${Math.floor(trace.ts[i]! / 1000)},${fixed(trace.bid[i]!, pd)},${fixed(trace.ask[i]!, pd)},${num(trace.inventory[i]!)},${fixed(trace.cash[i]!, 8)},${fixed(trace.equity[i]!, 8)},${fixed(trace.mid[i]!, pd + 1)},${fixed(trace.reservation[i]!, pd + 4)},${STATE_NAMES[trace.state[i]!] ?? ''}`;
}

/** Row i of the fills CSV. */
function fillRow(fills: FillLog, i: number, pd: number): string {
  return `${Math.floor(fills.ts[i]! / 1000)},${fills.side[i]! > 0 ? 'buy' : 'sell'},${fixed(fills.price[i]!, pd)},${num(fills.qty[i]!)},${fixed(fills.fee[i]!, 10)},${fills.taker[i] ? 'taker' : 'maker'},${fills.clientId[i]!},${fills.sample[i]!}`;
}

/** A CSV's text: the header, then `n` rows, one per line. */
function csvText(header: string, n: number, row: (i: number) => string): string {
  const rows: string[] = [header];
  for (let i = 0; i < n; i++) rows.push(row(i));
  return rows.join('\n') + '\n';
}

/** Rows joined and written per chunk (see `writeCsv`). */
const CSV_CHUNK_ROWS = 4096;

/**
 * The same text as `csvText`, written to `path` a chunk of rows at a time: a bar trace has a row per bar, and
 * held whole as row strings until the end it survives the young-generation collections, which copy it each
 * time (tens of milliseconds of a single backtest's collections on 41,761 bars).
 */
function writeCsv(path: string, header: string, n: number, row: (i: number) => string): void {
  const fd = openSync(path, 'w');
  try {
    let chunk: string[] = [header];
    for (let i = 0; i < n; i++) {
      chunk.push(row(i));
      if (chunk.length === CSV_CHUNK_ROWS) {
        writeFileSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length > 0) writeFileSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}

/** Trace CSV: `ts,bid,ask,inventory,cash,equity,mid,reservation,trading_state`; ts in epoch ms (the sample's time). */
export function traceCsv(trace: Trace, tickSize: number): string {
  const pd = decimalsOf(tickSize);
  return csvText(TRACE_HEADER, trace.length, (i) => traceRow(trace, i, pd));
}

/** Fills CSV: `ts,side,price,qty,fee,liquidity,order_id,sample`; side is buy/sell. */
export function fillsCsv(fills: FillLog, tickSize: number): string {
  const pd = decimalsOf(tickSize);
  return csvText(FILLS_HEADER, fills.length, (i) => fillRow(fills, i, pd));
}

/** `traceCsv` written to `path` chunk by chunk (`writeCsv`). */
export function writeTraceCsv(path: string, trace: Trace, tickSize: number): void {
  const pd = decimalsOf(tickSize);
  writeCsv(path, TRACE_HEADER, trace.length, (i) => traceRow(trace, i, pd));
}

/** `fillsCsv` written to `path` chunk by chunk (`writeCsv`). */
export function writeFillsCsv(path: string, fills: FillLog, tickSize: number): void {
  const pd = decimalsOf(tickSize);
  writeCsv(path, FILLS_HEADER, fills.length, (i) => fillRow(fills, i, pd));
}

export const metricsJsonSchema = (): unknown => z.toJSONSchema(MetricsSchema);

/** Write the whole folder or nothing: it is built beside the target and renamed into place. */
export function writeRunFolder(dir: string, out: RunOutputs, o: DirWriteOptions = {}): void {
  const metrics = MetricsSchema.parse(out.metrics);
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(out.config, null, 2) + '\n');
    writeFileSync(join(tmp, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    writeFileSync(join(tmp, 'metrics.schema.json'), JSON.stringify(metricsJsonSchema(), null, 2) + '\n');
    writeTraceCsv(join(tmp, 'trace.csv'), out.trace, out.tickSize);
    writeFillsCsv(join(tmp, 'fills.csv'), out.fills, out.tickSize);
  }, o);
}
