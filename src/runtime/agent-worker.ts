// Worker-thread entry: runs agent tasks posted by the pool and posts their results back.
import { parentPort } from 'node:worker_threads';
import type { AgentValue } from './agent-task.js';
import type { ResultMessage, StopMessage, TaskMessage } from './worker-pool.js';
import { runAgent } from './run-agent.js';
import { requestStop } from './stop-request.js';

const port = parentPort;
if (port) {
  port.on('message', async (msg: TaskMessage | StopMessage) => {
    if ('stop' in msg) return requestStop(msg.stop);
    const t0 = performance.now();
    const result = await runAgent(msg.task);
    const ms = performance.now() - t0;
    port.postMessage({ id: msg.id, result, ms } satisfies ResultMessage, result.ok ? transferables(result.value) : []);
  });
}

/** The frame's column buffers move to the main thread instead of being copied (each buffer once). */
function transferables(value: AgentValue): ArrayBuffer[] {
  if (value.role !== 'data' && value.role !== 'ml') return [];
  const f = value.frame;
  const set = new Set<ArrayBuffer>();
  for (const col of [f.ts, f.open, f.high, f.low, f.close, f.volume, f.spread, f.volatility, f.trendStrength, f.momentum, f.meanReversion]) {
    if (col.buffer instanceof ArrayBuffer) set.add(col.buffer);
  }
  return [...set];
}
