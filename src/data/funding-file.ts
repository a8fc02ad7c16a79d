// Funding series files: CSV `ts,rate` (epoch ms or ISO-8601 UTC) or Arrow IPC with `ts` (epoch ms) and `rate` columns.
import { readFileSync } from 'node:fs';
import { UserError } from '../core/index.js';
import { SeriesFunding } from '../market/index.js';
import { arrowLib } from './arrow-lib.js';

// A funding rate beyond ±5 % per interval is another column read by mistake (venues cap it far below).
const MAX_RATE = 0.05;

function parseTs(s: string): number {
  const t = s.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return /\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t}Z`) : Number.NaN;
}

/** The funding series in `path` (the field `flag` names it in messages). Times µs, strictly increasing. */
export function loadFundingSeries(path: string, flag = 'market.funding.path'): SeriesFunding {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new UserError(`${flag}: cannot read file ${path}`);
  }
  const ts: number[] = [];
  const rate: number[] = [];
  const push = (t: number, r: number, where: string): void => {
    if (!Number.isFinite(t) || !(Math.abs(r) <= MAX_RATE)) throw new UserError(`${flag}: ${path} ${where}: expected ts (epoch ms or ISO-8601) and a rate within ±${MAX_RATE}, got ts ${t}, rate ${r}`);
    if (ts.length > 0 && !(t * 1000 > ts[ts.length - 1]!)) throw new UserError(`${flag}: ${path} ${where}: times must increase`);
    ts.push(t * 1000);
    rate.push(r);
  };
  if (bytes.subarray(0, 6).toString('latin1') === 'ARROW1' || bytes.readUInt32LE(0) === 0xffffffff) {
    let table;
    try {
      table = arrowLib().tableFromIPC(bytes);
    } catch {
      throw new UserError(`${flag}: ${path} is not a readable Arrow IPC file`);
    }
    const tc = table.getChild('ts');
    const rc = table.getChild('rate');
    if (!tc || !rc) throw new UserError(`${flag}: ${path}: expected columns ts (epoch ms) and rate, got ${table.schema.fields.map((f) => f.name).join(', ')}`);
    for (let i = 0; i < table.numRows; i++) push(Number(tc.get(i)), Number(rc.get(i)), `row ${i + 1}`);
  } else {
    const lines = bytes.toString('utf8').split(/\r?\n/);
    let cols: [number, number] = [0, 1];
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(',');
      if (ts.length === 0 && n === lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#')) && !/^\s*-?\d/.test(line)) {
        const names = parts.map((p) => p.trim().toLowerCase());
        const ti = names.findIndex((x) => x === 'ts' || x === 'timestamp' || x === 'time' || x === 'funding_time' || x === 'fundingtime' || x === 'calc_time');
        const ri = names.findIndex((x) => x === 'rate' || x === 'funding_rate' || x === 'fundingrate' || x === 'last_funding_rate');
        if (ti < 0 || ri < 0) throw new UserError(`${flag}: ${path} line ${n + 1}: expected a header with ts and rate columns, got '${line.slice(0, 120)}'`);
        cols = [ti, ri];
        continue;
      }
      const rs = parts[cols[1]];
      push(parseTs(parts[cols[0]] ?? ''), rs === undefined || rs.trim() === '' ? Number.NaN : Number(rs), `line ${n + 1}`);
    }
  }
  if (ts.length === 0) throw new UserError(`${flag}: ${path} has no funding rows`);
  return new SeriesFunding(Float64Array.from(ts), Float64Array.from(rate), `series(${path})`);
}

/** A funding series as CSV (`ts` epoch ms, `rate`): what `fetch` writes and `loadFundingSeries` reads. */
export function fundingCsv(rows: readonly { ts: number; rate: number }[]): string {
  return 'ts,rate\n' + rows.map((r) => `${r.ts},${r.rate}`).join('\n') + (rows.length ? '\n' : '');
}
