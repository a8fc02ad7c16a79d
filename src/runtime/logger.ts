// The run log: one JSON line per event (event, run_id, mode, ts + fields) to stderr and to the run's log file.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Mode } from './config.js';
import { scrubber } from './live-guard.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type RuntimeEvent =
  | { event: 'runtime_start'; agents: number; workers: number }
  | { event: 'agent_started'; agent: string; role: string }
  | { event: 'agent_completed'; agent: string; role: string; outputs: string[]; duration_ms: number }
  | { event: 'agent_failed'; agent: string; role: string; error: string; duration_ms: number }
  | { event: 'runtime_signal'; signal: string; reason: string }
  | { event: 'runtime_complete'; failures: number; successes: number; skipped: number; total: number };

export interface LoggerOptions {
  runId: string;
  mode: Mode;
  level: Level;
  format: 'jsonl' | 'pretty';
  /** Where the formatted lines go (stderr in the CLI). */
  write: (line: string) => void;
  /** A JSON-lines copy of every event at or above `level`. */
  file?: string;
  /** Values that must never appear in a line (replaced by [redacted]). */
  secrets?: readonly string[];
  now?: () => Date;
}

export class RunLogger {
  private fd: number | null = null;
  private readonly scrub: (text: string) => string;

  constructor(private readonly o: LoggerOptions) {
    this.scrub = scrubber(o.secrets ?? []);
    if (o.file) {
      mkdirSync(dirname(o.file), { recursive: true });
      this.fd = openSync(o.file, 'a');
    }
  }

  log(e: RuntimeEvent): void {
    const level: Level = e.event === 'agent_failed' ? 'error' : 'info';
    if (RANK[level] < RANK[this.o.level]) return;
    const ts = (this.o.now ?? (() => new Date()))().toISOString();
    // Scrub the raw error text too: a secret with characters JSON escapes would not match in the encoded line.
    const ev = e.event === 'agent_failed' ? { ...e, error: this.scrub(e.error) } : e;
    const record = { ts, level, run_id: this.o.runId, mode: this.o.mode, ...ev };
    const json = this.scrub(JSON.stringify(record));
    if (this.fd !== null) writeSync(this.fd, json + '\n');
    this.o.write(this.o.format === 'jsonl' ? json : this.scrub(pretty(record)));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function pretty(r: { ts: string; level: Level; event: string } & Record<string, unknown>): string {
  const { ts, level, event, run_id: _r, mode: _m, ...rest } = r;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${ts.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${event} ${fields}`.trimEnd();
}
