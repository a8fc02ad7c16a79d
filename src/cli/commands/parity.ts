// `marketmakerl parity`: a session of a ledger replayed through the tick backtest on the market it recorded; JSON and an HTML page of how far they agree.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, checkRunFolderTarget, mkdirNewStamped, removeCreatedDirs, utcStamp, writeDirAtomic } from '../../core/index.js';
import { runParity, type ParityReport } from '../../research/parity-run.js';
import { renderParityReport, type ParityVerdict } from '../../report/parity-report.js';
import { fixed, pct, signed } from '../../report/format.js';
import { printResult } from '../output.js';

export interface ParityFlags {
  ledger: string;
  session?: string;
  events?: string;
  out?: string;
  maxPnlGap?: string;
  simConfig?: string;
  toleranceMs?: number;
  allowStrategyChange?: boolean;
  json?: boolean;
}

/** `--max-pnl-gap 0.5` (quote currency) or `--max-pnl-gap 10%` (of the session's |PnL|). */
export function parsePnlGap(v: string): { limit: number; relative: boolean } {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[-+]?\d+)?)\s*(%?)\s*$/i.exec(v);
  const x = m ? Number(m[1]) : Number.NaN;
  if (!m || !Number.isFinite(x) || x < 0) throw new UserError(`--max-pnl-gap: expected an amount of quote currency (0.5) or a share of the session's PnL (10%), got '${v}'`);
  return m[2] === '%' ? { limit: x / 100, relative: true } : { limit: x, relative: false };
}

/** Whether the replay's PnL is further from the session's than the limit allows. */
export function pnlGapExceeded(r: ParityReport, g: { limit: number; relative: boolean }): boolean {
  const gap = Math.abs(r.comparison.pnl_gap);
  return g.relative ? gap > g.limit * Math.abs(r.comparison.live.pnl.total) : gap > g.limit;
}

/** The one line: what was compared and the figures that say how well (the page and parity.json hold the rest). */
export function parityHeadline(r: ParityReport): Record<string, unknown> {
  const c = r.comparison;
  const o = r.order_level;
  return {
    session: r.session.run_id,
    mode: r.session.mode,
    events: r.events.path,
    fills_live: c.fills.live,
    fills_replay: c.fills.replay,
    fills_matched: c.fills.matched,
    fills_only_live: c.fills.only_live,
    fills_only_replay: c.fills.only_replay,
    fill_ratio: c.fills.fill_ratio,
    orders_matched_share: c.orders.matched_share,
    pnl_live: c.live.pnl.total,
    pnl_replay: c.replay.pnl.total,
    pnl_gap: c.pnl_gap,
    pnl_gap_share: c.pnl_gap_share,
    ack_latency_ms_live: c.live.latency_ms.ack.median,
    ack_latency_ms_replay: c.replay.latency_ms.ack.median,
    reference_price: r.replay.reference_price,
    ...(r.replay.strategy !== null ? { strategy_sha256: r.replay.strategy.sha256, strategy_sha256_recorded: r.replay.strategy.recorded_sha256 } : {}),
    ...(r.events.partial ? { recording_partial: true } : {}),
    compared_until_utc: r.replay.compared_until_utc,
    order_level_venue_clock: o.venue_clock,
    order_level_orders_same_fate_share: o.orders.same_fate_share,
    order_level_fills_matched: o.fills.matched,
    order_level_fills_replay: o.fills.replay,
    order_level_fill_ratio: o.fills.fill_ratio,
    order_level_pnl_replay: o.replay.pnl.total,
    order_level_pnl_gap: o.pnl_gap,
    order_level_pnl_gap_share: o.pnl_gap_share,
    ...(r.order_level_at_exchange_time !== undefined
      ? { order_level_fill_ratio_at_exchange_time: r.order_level_at_exchange_time.fills.fill_ratio, order_level_pnl_gap_at_exchange_time: r.order_level_at_exchange_time.pnl_gap }
      : {}),
  };
}

export async function parityCommand(f: ParityFlags): Promise<void> {
  const gap = f.maxPnlGap === undefined ? undefined : parsePnlGap(f.maxPnlGap);
  if (f.out !== undefined) checkRunFolderTarget(f.out, '--out', false, { files: [f.ledger, f.events, f.simConfig] });
  // The default folder is created now, exclusively: two runs started in the same second get one each (the second <stamp>_2).
  const reserved = f.out === undefined ? mkdirNewStamped(join('artifacts', 'parity', `parity_${utcStamp(new Date())}`)) : undefined;
  const outDir = reserved?.path ?? f.out!;
  try {
    await parityInto(f, outDir, gap, reserved !== undefined);
  } catch (e) {
    if (reserved !== undefined) removeCreatedDirs(reserved.created);
    throw e;
  }
}

async function parityInto(f: ParityFlags, outDir: string, gap: ReturnType<typeof parsePnlGap> | undefined, reserved: boolean): Promise<void> {
  const r = await runParity({ ledger: f.ledger, ...(f.session !== undefined ? { session: f.session } : {}), ...(f.events !== undefined ? { events: f.events } : {}), ...(f.simConfig !== undefined ? { simConfig: f.simConfig } : {}), ...(f.toleranceMs !== undefined ? { toleranceMs: f.toleranceMs } : {}), ...(f.allowStrategyChange === true ? { allowStrategyChange: true } : {}) });
  const exceeded = gap === undefined ? undefined : pnlGapExceeded(r, gap);
  const verdict: ParityVerdict = gap === undefined ? {} : { maxPnlGap: { ...gap, exceeded: exceeded! } };
  const html = await renderParityReport(r, verdict);
  const json = { ...r, ...(gap !== undefined ? { max_pnl_gap: { ...gap, exceeded } } : {}) };
  writeDirAtomic(outDir, (tmp) => {
    writeFileSync(join(tmp, 'parity.json'), JSON.stringify(json, null, 2) + '\n');
    writeFileSync(join(tmp, 'parity.html'), html);
  }, { flag: '--out', kind: 'parity', reserved });
  const c = r.comparison;
  const o = r.order_level;
  printResult(
    {
      json: { parity: true, ...parityHeadline(r), ...(gap !== undefined ? { max_pnl_gap_exceeded: exceeded } : {}), out: outDir },
      title: `parity  ${r.session.run_id} (${r.session.mode}) against its replay`,
      rows: [
        ['order-level fills matched', `${o.fills.matched} of ${o.fills.live} (${pct(o.fills.fill_ratio)}); only live ${o.fills.only_live}, only replay ${o.fills.only_replay}`],
        ['order-level PnL  session / replay', `${signed(c.live.pnl.total, 4)} / ${signed(o.replay.pnl.total, 4)} (gap ${signed(o.pnl_gap, 4)})`],
        ['strategy-level fills matched', `${c.fills.matched} of ${c.fills.live} (${pct(c.fills.fill_ratio)}); only live ${c.fills.only_live}, only replay ${c.fills.only_replay}`],
        ['strategy-level PnL  session / replay', `${signed(c.live.pnl.total, 4)} / ${signed(c.replay.pnl.total, 4)} (gap ${signed(c.pnl_gap, 4)})`],
        ['ack latency ms  session / replay', `${fixed(c.live.latency_ms.ack.median, 1)} / ${fixed(c.replay.latency_ms.ack.median, 1)}`],
        ...r.notes.map((n): [string, string] => ['note', n]),
      ],
      files: { json: join(outDir, 'parity.json'), page: join(outDir, 'parity.html') },
    },
    f,
  );
  if (exceeded === true) {
    process.stderr.write(`parity: the PnL gap ${signed(c.pnl_gap, 4)} exceeds --max-pnl-gap ${f.maxPnlGap}\n`);
    process.exitCode = 1;
  }
}
