// The run log: one line per event with event, run_id, mode, ts; level filter; pretty format; secrets scrubbed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunLogger } from './logger.js';

const now = (): Date => new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));

test('jsonl: one JSON line per event, with ts, run_id, mode and the fields', () => {
  const lines: string[] = [];
  const log = new RunLogger({ runId: 'r', mode: 'backtest', level: 'info', format: 'jsonl', write: (l) => lines.push(l), now });
  log.log({ event: 'runtime_start', agents: 4, workers: 2 });
  log.log({ event: 'agent_failed', agent: 'a', role: 'data', error: 'bad', duration_ms: 3 });
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    [
      { ts: '2025-01-02T03:04:05.678Z', level: 'info', run_id: 'r', mode: 'backtest', event: 'runtime_start', agents: 4, workers: 2 },
      { ts: '2025-01-02T03:04:05.678Z', level: 'error', run_id: 'r', mode: 'backtest', event: 'agent_failed', agent: 'a', role: 'data', error: 'bad', duration_ms: 3 },
    ],
  );
});

test('level error keeps only failures; pretty is one readable line; secrets become [redacted]', () => {
  const lines: string[] = [];
  const log = new RunLogger({ runId: 'r', mode: 'paper', level: 'error', format: 'pretty', write: (l) => lines.push(l), now, secrets: ['s3cr3t-value'] });
  log.log({ event: 'agent_started', agent: 'a', role: 'data' });
  log.log({ event: 'agent_failed', agent: 'a', role: 'data', error: 'file s3cr3t-value.csv: bad', duration_ms: 3 });
  assert.deepEqual(lines, ['03:04:05.678 ERROR agent_failed agent=a role=data error=file [redacted].csv: bad duration_ms=3']);
});
