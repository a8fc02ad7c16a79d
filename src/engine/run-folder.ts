// The run folder: config.json, metrics.json (+ its JSON Schema), trace.csv and fills.csv, written atomically.
import { join } from 'node:path';
import { z } from 'zod';
import { writeDirAtomic, type DirWriteOptions } from '../core/index.js';
import { decimalsOf } from '../market/index.js';
import { writeFileSync } from 'node:fs';
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

/** Trace CSV: `ts,bid,ask,inventory,cash,equity,mid,reservation,trading_state`; ts in epoch ms (the sample's time). */
export function traceCsv(trace: Trace, tickSize: number): string {
  const pd = decimalsOf(tickSize);
  const rows: string[] = ['ts,bid,ask,inventory,cash,equity,mid,reservation,trading_state'];
  for (let i = 0; i < trace.length; i++) {
    rows.push(
      `${Math.floor(trace.ts[i]! / 1000)},${fixed(trace.bid[i]!, pd)},${fixed(trace.ask[i]!, pd)},${num(trace.inventory[i]!)},${fixed(trace.cash[i]!, 8)},${fixed(trace.equity[i]!, 8)},${fixed(trace.mid[i]!, pd)},${fixed(trace.reservation[i]!, pd + 4)},${STATE_NAMES[trace.state[i]!] ?? ''}`,
    );
  }
  return rows.join('\n') + '\n';
}

/** Fills CSV: `ts,side,price,qty,fee,liquidity,order_id,sample`; side is buy/sell. */
export function fillsCsv(fills: FillLog, tickSize: number): string {
  const pd = decimalsOf(tickSize);
  const rows: string[] = ['ts,side,price,qty,fee,liquidity,order_id,sample'];
  for (let i = 0; i < fills.length; i++) {
    rows.push(
      `${Math.floor(fills.ts[i]! / 1000)},${fills.side[i]! > 0 ? 'buy' : 'sell'},${fixed(fills.price[i]!, pd)},${num(fills.qty[i]!)},${fixed(fills.fee[i]!, 10)},${fills.taker[i] ? 'taker' : 'maker'},${fills.clientId[i]!},${fills.sample[i]!}`,
    );
  }
  return rows.join('\n') + '\n';
}

export const metricsJsonSchema = (): unknown => z.toJSONSchema(MetricsSchema);

/** Write the whole folder or nothing: it is built beside the target and renamed into place. */
export function writeRunFolder(dir: string, out: RunOutputs, o: DirWriteOptions = {}): void {
  const metrics = MetricsSchema.parse(out.metrics);
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(out.config, null, 2) + '\n');
    writeFileSync(join(tmp, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    writeFileSync(join(tmp, 'metrics.schema.json'), JSON.stringify(metricsJsonSchema(), null, 2) + '\n');
    writeFileSync(join(tmp, 'trace.csv'), traceCsv(out.trace, out.tickSize));
    writeFileSync(join(tmp, 'fills.csv'), fillsCsv(out.fills, out.tickSize));
  }, o);
}
