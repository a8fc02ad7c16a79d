// `marketmakerl dashboard`: serve the dashboard for a ledger (a running or finished paper run) and for backtest run folders.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../../core/index.js';
import { LedgerReader } from '../../ledger/index.js';
import { DashboardState, ledgerRefresher, startDashboardServer } from '../../report/dashboard/index.js';
import { DEFAULT_HALT_FILE } from '../../risk/index.js';

export interface DashboardFlags {
  ledger?: string;
  runs?: string;
  port?: number;
  haltFile?: string;
}

export async function dashboardCommand(f: DashboardFlags): Promise<void> {
  const port = f.port ?? 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: expected 0-65535, got ${port}`);
  if (f.runs !== undefined && existsSync(f.runs) && !statSync(f.runs).isDirectory()) throw new UserError(`--runs: ${f.runs} is not a folder of run folders`);
  const state = new DashboardState(f.ledger !== undefined ? 'ledger' : 'runs', f.ledger !== undefined ? `ledger ${f.ledger}` : 'backtest runs');
  const reader = f.ledger !== undefined ? new LedgerReader(f.ledger) : undefined;
  const refresh = reader !== undefined ? ledgerRefresher(reader, state) : undefined;
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;
  const server = await startDashboardServer({
    port,
    title: state.stats.title,
    state,
    haltPath,
    tokenDir: dirname(f.ledger ?? haltPath),
    ...(f.runs !== undefined ? { runsDir: f.runs } : {}),
    ...(refresh !== undefined ? { refresh } : {}),
    pushMs: 500,
  });
  process.stdout.write(`${JSON.stringify({ dashboard: server.openUrl, token_file: server.tokenFile })}\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  reader?.close();
}
