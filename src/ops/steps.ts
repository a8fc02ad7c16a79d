// Chains of CLI steps for smoke checks and launches: each step is this CLI in a child process, timed; the chain stops at the first failure.
import { spawnSync } from 'node:child_process';

export interface StepResult {
  step: string;
  ok: boolean;
  exit_code: number | null;
  seconds: number;
  /** The step's own last JSON line, when it printed one. */
  result?: Record<string, unknown>;
  /** Its last line on stderr, when it failed. */
  error?: string;
}

export interface Step {
  step: string;
  args: string[];
  /** A step may exit 0 and still not hold (e.g. a JSON field says so). */
  holds?: (result: Record<string, unknown> | undefined) => string | undefined;
}

/** Run `marketmakerl <args>` as a child of this process (same node, same loader flags, same entry). */
export function runCliStep(s: Step, env: NodeJS.ProcessEnv = process.env): StepResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...s.args], { encoding: 'utf8', maxBuffer: 64 << 20, env });
  const seconds = Math.round((performance.now() - t0) / 10) / 100;
  const lines = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{'));
  let result: Record<string, unknown> | undefined;
  try {
    result = lines.length ? (JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>) : undefined;
  } catch {
    result = undefined;
  }
  if (r.status !== 0) return { step: s.step, ok: false, exit_code: r.status, seconds, ...(result ? { result } : {}), error: (r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}` };
  const why = s.holds?.(result);
  return { step: s.step, ok: why === undefined, exit_code: 0, seconds, ...(result ? { result } : {}), ...(why ? { error: why } : {}) };
}

/** Run the steps in order until one fails; the rest are listed as not run. */
export function runChain(steps: readonly Step[], onStep?: (r: StepResult) => void): { results: StepResult[]; not_run: string[]; ok: boolean } {
  const results: StepResult[] = [];
  for (const s of steps) {
    const r = runCliStep(s);
    results.push(r);
    onStep?.(r);
    if (!r.ok) break;
  }
  const ok = results.length === steps.length && results.every((r) => r.ok);
  return { results, not_run: steps.slice(results.length).map((s) => s.step), ok };
}
