// Runs the agent graph: an agent starts when all its inputs completed, at most `maxConcurrent` at a time; downstream of a failure is skipped.
import type { AgentConfig } from './agents.js';
import type { AgentResult, AgentTask, AgentValue } from './agent-task.js';
import type { TimedResult } from './worker-pool.js';

export type AgentStatus = 'completed' | 'failed' | 'skipped';

export interface AgentOutcome {
  agent: string;
  role: AgentConfig['role'];
  status: AgentStatus;
  outputs: string[];
  duration_ms?: number;
  error?: string;
  /** Why a skipped agent did not run. */
  reason?: string;
  value?: AgentValue;
}

export interface SchedulerHooks {
  started(a: AgentConfig): void;
  finished(a: AgentConfig, outcome: AgentOutcome): void;
}

/**
 * Dispatch order is config order among ready agents, but results never depend on it: an agent's task is
 * built only from its config, its seed and its inputs' values.
 */
export function runGraph(
  agents: readonly AgentConfig[],
  maxConcurrent: number,
  makeTask: (a: AgentConfig, inputs: AgentValue[]) => AgentTask,
  execute: (task: AgentTask) => Promise<TimedResult>,
  hooks: SchedulerHooks,
): Promise<AgentOutcome[]> {
  const outcomes = new Map<string, AgentOutcome>();
  const running = new Set<string>();
  return new Promise((resolveAll) => {
    const finish = (): void => resolveAll(agents.map((a) => outcomes.get(a.name)!));
    const pump = (): void => {
      // Skip every agent that has an input which failed or was skipped (transitively).
      let changed = true;
      while (changed) {
        changed = false;
        for (const a of agents) {
          if (outcomes.has(a.name) || running.has(a.name)) continue;
          const bad = a.inputs.map((n) => outcomes.get(n)).find((o) => o !== undefined && o.status !== 'completed');
          if (bad) {
            const reason = `input '${bad.agent}' ${bad.status === 'failed' ? 'failed' : 'was skipped'}`;
            outcomes.set(a.name, { agent: a.name, role: a.role, status: 'skipped', outputs: [], reason });
            changed = true;
          }
        }
      }
      for (const a of agents) {
        if (running.size >= maxConcurrent) break;
        if (outcomes.has(a.name) || running.has(a.name)) continue;
        if (!a.inputs.every((n) => outcomes.get(n)?.status === 'completed')) continue;
        start(a);
      }
      if (running.size === 0) {
        // Nothing runs and nothing can start: everything is decided (the graph is acyclic, checked before).
        for (const a of agents) {
          if (!outcomes.has(a.name)) outcomes.set(a.name, { agent: a.name, role: a.role, status: 'skipped', outputs: [], reason: 'inputs never completed' });
        }
        finish();
      }
    };
    const start = (a: AgentConfig): void => {
      running.add(a.name);
      const inputs = a.inputs.map((n) => outcomes.get(n)!.value!);
      hooks.started(a);
      const t0 = performance.now();
      const settle = (r: AgentResult, ms: number | null = null): void => {
        // The agent's own time when the worker measured it; else time since dispatch.
        const duration_ms = Math.round(ms ?? performance.now() - t0);
        const o: AgentOutcome = r.ok
          ? { agent: a.name, role: a.role, status: 'completed', outputs: r.outputs, duration_ms, value: r.value }
          : { agent: a.name, role: a.role, status: 'failed', outputs: [], duration_ms, error: r.error };
        running.delete(a.name);
        outcomes.set(a.name, o);
        hooks.finished(a, o);
        pump();
      };
      let task: AgentTask;
      try {
        task = makeTask(a, inputs);
      } catch (e) {
        queueMicrotask(() => settle({ ok: false, error: e instanceof Error ? e.message : String(e) }));
        return;
      }
      execute(task).then(
        (t) => settle(t.result, t.ms),
        (e: unknown) => settle({ ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
    };
    pump();
  });
}
