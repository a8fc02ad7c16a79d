// Queue models by name, as given on the command line: risk-averse | power:N | log.
import { UserError } from '../../core/index.js';
import type { QueueModel } from './queue-model.js';
import { riskAverseQueue } from './risk-averse.js';
import { powerQueue } from './power-queue.js';
import { logQueue } from './log-queue.js';

export function parseQueueModel(text: string, flag = '--queue'): QueueModel {
  const t = text.trim();
  if (t === 'risk-averse') return riskAverseQueue;
  if (t === 'log') return logQueue;
  const m = /^power:(\d+(?:\.\d+)?)$/.exec(t);
  if (m && Number(m[1]) > 0) return powerQueue(Number(m[1]));
  throw new UserError(`${flag}: expected risk-averse, power:N (N > 0) or log, got '${text}'`);
}
