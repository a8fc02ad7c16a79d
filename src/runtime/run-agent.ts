// One agent task to its result: dispatch on the role; any thrown error becomes a one-line failure.
import { assertNever } from '../core/index.js';
import type { AgentResult, AgentTask } from './agent-task.js';
import { runDataAgent } from './roles/data.js';
import { runMlAgent } from './roles/ml.js';
import { runExecutionAgent } from './roles/execution.js';
import { runRiskAgent } from './roles/risk.js';

export async function runAgent(task: AgentTask): Promise<AgentResult> {
  const a = task.agent;
  try {
    switch (a.role) {
      case 'data':
        return runDataAgent(task, a.params);
      case 'ml':
        return runMlAgent(task, a.params);
      case 'execution':
        return await runExecutionAgent(task, a.params);
      case 'risk':
        return runRiskAgent(task, a.params);
      default:
        return assertNever(a, 'role');
    }
  } catch (e) {
    return { ok: false, error: oneLine(e) };
  }
}

export function oneLine(e: unknown): string {
  const text = e instanceof Error ? (e.name === 'Error' || e.name === 'UserError' ? e.message : `${e.name}: ${e.message}`) : String(e);
  return text.split('\n')[0]!.trim() || 'unknown error';
}
