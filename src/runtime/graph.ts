// The agent graph: names, inputs and the role rules a pipeline must follow, checked before anything runs.
import { UserError } from '../core/index.js';
import type { Role } from './config.js';
import type { AgentConfig } from './agents.js';

/** The one role each role consumes (data consumes nothing). */
export const INPUT_ROLE: Record<Role, Role | null> = { data: null, ml: 'data', execution: 'ml', risk: 'execution' };

/**
 * Throw a UserError naming the first problem: a duplicate name, an input naming no agent, a cycle,
 * or inputs that do not match the role (ml ← one data, execution ← one ml, risk ← one execution).
 */
export function checkGraph(agents: readonly AgentConfig[]): void {
  const index = new Map<string, number>();
  agents.forEach((a, i) => {
    const seen = index.get(a.name);
    if (seen !== undefined) throw new UserError(`agents[${i}].name: duplicate agent name '${a.name}' (also agents[${seen}])`);
    index.set(a.name, i);
  });
  agents.forEach((a, i) =>
    a.inputs.forEach((name, j) => {
      if (!index.has(name)) throw new UserError(`agents[${i}].inputs[${j}]: unknown agent '${name}'`);
    }),
  );
  const cycle = findCycle(agents, index);
  if (cycle) {
    const at = index.get(cycle[0]!)!;
    throw new UserError(`agents[${at}].inputs: cycle ${cycle.join(' -> ')}`);
  }
  agents.forEach((a, i) => {
    const want = INPUT_ROLE[a.role];
    if (want === null) {
      if (a.inputs.length > 0) throw new UserError(`agents[${i}].inputs: a data agent takes no inputs`);
      return;
    }
    const got = a.inputs.map((n) => agents[index.get(n)!]!);
    if (got.length !== 1 || got[0]!.role !== want) {
      const list = got.map((g) => `${g.name} (${g.role})`).join(', ') || 'none';
      throw new UserError(`agents[${i}].inputs: ${article(a.role)} ${a.role} agent takes exactly one ${want} agent, got ${list}`);
    }
  });
}

const article = (role: Role): string => (role === 'execution' || role === 'ml' ? 'an' : 'a');

/** A cycle as a list of names (first = last), or null. Iterative DFS in config order: the same config gives the same answer. */
function findCycle(agents: readonly AgentConfig[], index: ReadonlyMap<string, number>): string[] | null {
  const state = new Uint8Array(agents.length); // 0 new, 1 on stack, 2 done
  const stack: number[] = [];
  const visit = (i: number): string[] | null => {
    state[i] = 1;
    stack.push(i);
    for (const name of agents[i]!.inputs) {
      const j = index.get(name)!;
      if (state[j] === 1) {
        const from = stack.indexOf(j);
        return [...stack.slice(from), j].map((k) => agents[k]!.name);
      }
      if (state[j] === 0) {
        const c = visit(j);
        if (c) return c;
      }
    }
    stack.pop();
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < agents.length; i++) {
    if (state[i] === 0) {
      const c = visit(i);
      if (c) return c;
    }
  }
  return null;
}

/** Agents in an order where every agent comes after its inputs (stable: config order among ready agents). */
export function topologicalOrder(agents: readonly AgentConfig[]): AgentConfig[] {
  const done = new Set<string>();
  const out: AgentConfig[] = [];
  while (out.length < agents.length) {
    const next = agents.find((a) => !done.has(a.name) && a.inputs.every((n) => done.has(n)));
    if (!next) break;
    done.add(next.name);
    out.push(next);
  }
  return out;
}
