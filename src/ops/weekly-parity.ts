// Live against replay for the weekly report: `parity` on each run whose ledger links a recording of its market.
import { UserError } from '../core/index.js';
import { locateRecording, readRecordingLink } from '../ledger/index.js';
import { openLedgerReadOnly, runParity, type ParityReport } from '../research/parity-run.js';

export type FillAgreement =
  | { status: 'n/a'; reason: string }
  | {
      status: 'measured';
      events: string;
      fills_live: number;
      fills_replay: number;
      fills_matched: number;
      /** matched / session fills. */
      fill_ratio: number;
      pnl_live: number;
      pnl_replay: number;
      pnl_gap: number;
      pnl_gap_share: number | null;
      /** Order-level (the session's own orders replayed as sent: the simulator alone): fills matched, share, PnL gap. */
      order_level_fills_matched: number;
      order_level_fill_ratio: number;
      order_level_pnl_gap: number;
      order_level_pnl_gap_share: number | null;
      /** The parity page beside the report (set by the command that writes it). */
      page?: string;
    };

/** Why a run has no live-vs-replay figures, or undefined when its recording is there to replay. */
export function recordingMissing(ledger: string, runId: string): string | undefined {
  const db = openLedgerReadOnly(ledger);
  try {
    const link = readRecordingLink(db, runId);
    if (link === undefined) return 'no recording linked to the run (start it with realtime --record FILE.arrow)';
    if (link.status !== 'written') return `its recording was not written (${link.status})`;
    if (locateRecording(ledger, link) === undefined) return `its recording is missing (${link.path})`;
    return undefined;
  } finally {
    db.close();
  }
}

/** The run replayed on its recording (read-only on the ledger); a fault of the replay's input reads as n/a with its reason. */
export async function fillAgreement(ledger: string, runId: string): Promise<{ agreement: FillAgreement; report?: ParityReport }> {
  const missing = recordingMissing(ledger, runId);
  if (missing !== undefined) return { agreement: { status: 'n/a', reason: missing } };
  let report: ParityReport;
  try {
    report = await runParity({ ledger, session: runId });
  } catch (e) {
    if (e instanceof UserError) return { agreement: { status: 'n/a', reason: e.message } };
    throw e;
  }
  const c = report.comparison;
  return {
    report,
    agreement: {
      status: 'measured',
      events: report.events.path,
      fills_live: c.fills.live,
      fills_replay: c.fills.replay,
      fills_matched: c.fills.matched,
      fill_ratio: c.fills.fill_ratio,
      pnl_live: c.live.pnl.total,
      pnl_replay: c.replay.pnl.total,
      pnl_gap: c.pnl_gap,
      pnl_gap_share: c.pnl_gap_share,
      order_level_fills_matched: report.order_level.fills.matched,
      order_level_fill_ratio: report.order_level.fills.fill_ratio,
      order_level_pnl_gap: report.order_level.pnl_gap,
      order_level_pnl_gap_share: report.order_level.pnl_gap_share,
    },
  };
}
