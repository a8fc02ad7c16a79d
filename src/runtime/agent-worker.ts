// Worker-thread entry (piscina): runs one agent task and answers with its result and its own run time; relays the pool's stop requests to the agents of this thread.
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { AgentValue, AgentTask } from './agent-task.js';
import type { ResultMessage, StopMessage, WorkerSetup } from './worker-pool.js';
import { runAgent } from './run-agent.js';
import { requestStop } from './stop-request.js';

const setup = workerData as WorkerSetup | undefined;
if (setup?.stopChannel !== undefined) {
  const channel = new BroadcastChannel(setup.stopChannel);
  channel.onmessage = (e) => requestStop(((e as { data: unknown }).data as StopMessage).stop);
  // The channel does not keep an idle thread alive (piscina ends idle threads).
  channel.unref();
}
/** A stop asked before this thread started: its channel message never reached it. */
const stopAskedEarlier = (): boolean => setup?.stopFlag !== undefined && Atomics.load(new Int32Array(setup.stopFlag), 0) !== 0;

export default async function runTask(task: AgentTask): Promise<unknown> {
  if (stopAskedEarlier()) requestStop('a signal');
  const t0 = performance.now();
  const result = await runAgent(task);
  const ms = performance.now() - t0;
  const answer: ResultMessage = { result, ms };
  // The frame's column buffers move to the main thread instead of being copied (each buffer once).
  const moved = result.ok ? transferables(result.value) : [];
  return moved.length > 0 ? Piscina.move({ [Piscina.transferableSymbol]: moved, [Piscina.valueSymbol]: answer } as unknown as Parameters<typeof Piscina.move>[0]) : answer;
}

function transferables(value: AgentValue): ArrayBuffer[] {
  if (value.role !== 'data' && value.role !== 'ml') return [];
  const f = value.frame;
  const set = new Set<ArrayBuffer>();
  for (const col of [f.ts, f.open, f.high, f.low, f.close, f.volume, f.spread, f.volatility, f.trendStrength, f.momentum, f.meanReversion]) {
    if (col.buffer instanceof ArrayBuffer) set.add(col.buffer);
  }
  return [...set];
}
