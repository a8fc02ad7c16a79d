// `marketmakerl run`: the multi-agent runtime on a config.yaml; logs on stderr, a JSON summary on stdout; exit 1 if an agent failed, 4 on a risk breach when asked.
import { UserError } from '../../core/index.js';
import { MODES, runRuntime, type Mode } from '../../runtime/index.js';

export interface RunFlags {
  config: string;
  mode?: string;
  maxWorkers?: number;
  runId?: string;
  seed?: number;
  /** Exit 4 when a risk agent reports a breach (and no agent failed). */
  failOnBreach?: boolean;
}

/** Exit code of a run whose risk agents found a breach, with `--fail-on-breach` (1 stays "an agent failed"). */
export const EXIT_RISK_BREACH = 4;

export async function runCommand(flags: RunFlags): Promise<void> {
  if (flags.mode !== undefined && !(MODES as readonly string[]).includes(flags.mode)) {
    throw new UserError(`--mode: expected one of ${MODES.join(', ')}, got '${flags.mode}'`);
  }
  const summary = await runRuntime({
    configPath: flags.config,
    ...(flags.mode !== undefined ? { mode: flags.mode as Mode } : {}),
    ...(flags.maxWorkers !== undefined ? { maxWorkers: flags.maxWorkers } : {}),
    ...(flags.runId !== undefined ? { runId: flags.runId } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
  });
  process.stdout.write(JSON.stringify(summary) + '\n');
  if (summary.failures > 0) process.exitCode = 1;
  // Stopped from outside: not a failure of ours, but not a finished run either (128 + the signal's number).
  else if (summary.stopped_by !== undefined) process.exitCode = summary.stopped_by === 'SIGINT' ? 130 : 143;
  else if (flags.failOnBreach === true && summary.risk_status === 'breach') {
    process.stderr.write(`risk breach: ${summary.risk_breaches.join(', ')}\n`);
    process.exitCode = EXIT_RISK_BREACH;
  }
}
