// `marketmakerl run`: the multi-agent runtime on a config.yaml; logs on stderr, a JSON summary on stdout, exit 1 if an agent failed.
import { UserError } from '../../core/index.js';
import { MODES, runRuntime, type Mode } from '../../runtime/index.js';

export interface RunFlags {
  config: string;
  mode?: string;
  maxWorkers?: number;
  runId?: string;
  seed?: number;
}

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
}
