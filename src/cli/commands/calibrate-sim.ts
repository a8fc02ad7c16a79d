// `marketmakerl calibrate-sim --ledger L --events FILE.arrow`: the simulator's latencies and queue model fitted to a live session; one JSON line, the `sim:` section to --out.
import { UserError, checkOutputFile, writeFileAtomic } from '../../core/index.js';
import { calibrateSim, calibrationYaml } from '../../research/calibrate-sim.js';

export interface CalibrateSimFlags {
  ledger?: string;
  events?: string;
  session?: string;
  out?: string;
  force?: boolean;
}

export function calibrateSimCommand(f: CalibrateSimFlags): void {
  if (!f.ledger) throw new UserError('--ledger: expected the ledger of a live session, e.g. --ledger artifacts/live/ledger.sqlite');
  if (f.force === true && f.out === undefined) throw new UserError('--force: replaces an existing --out file; without --out the fit is only printed');
  if (f.out !== undefined) checkOutputFile(f.out, '--out', f.force === true, false, { files: [f.ledger, f.events] });
  const c = calibrateSim({ ledger: f.ledger, events: f.events, session: f.session });
  if (f.out !== undefined) writeFileAtomic(f.out, calibrationYaml(c));
  const q = c.queue;
  process.stdout.write(
    JSON.stringify({
      run_id: c.run_id,
      sim: c.sim,
      entry_latency: c.latency.entry,
      response_latency: c.latency.response,
      round_trip: c.latency.round_trip,
      queue: { model: q.queue, ci95: q.ci95, power_n_ci95: q.power_n_ci95, orders: q.orders, orders_filled: q.orders_filled, candidates: q.candidates },
      events: c.events,
      tick_size: c.tick_size,
      ...(f.out !== undefined ? { out: f.out } : {}),
    }) + '\n',
  );
}
