// The run log through pino: one JSON line per event (level, ts, run_id, mode, event + fields) to stderr and the run's log file.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Mode } from './config.js';
import { scrubber } from './live-guard.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

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
  private readonly pino: Logger;

  constructor(private readonly o: LoggerOptions) {
    this.scrub = scrubber(o.secrets ?? []);
    if (o.file) {
      mkdirSync(dirname(o.file), { recursive: true });
      this.fd = openSync(o.file, 'a');
    }
    const now = o.now ?? (() => new Date());
    // pino formats the record; this destination scrubs it, copies it to the file and writes it in the chosen format.
    const destination = {
      write: (line: string): void => {
        const json = this.scrub(line.endsWith('\n') ? line.slice(0, -1) : line);
        if (this.fd !== null) writeSync(this.fd, json + '\n');
        this.o.write(this.o.format === 'jsonl' ? json : this.scrub(pretty(JSON.parse(json) as Record<string, unknown>)));
      },
    };
    this.pino = pino(
      {
        level: o.level,
        base: { run_id: o.runId, mode: o.mode },
        timestamp: () => `,"ts":"${now().toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
  }

  log(e: RuntimeEvent): void {
    if (e.event === 'agent_failed') {
      // Scrub the raw error text too: a secret with characters JSON escapes would not match in the encoded line.
      this.pino.error({ ...e, error: this.scrub(e.error) });
    } else {
      this.pino.info(e);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function pretty(r: Record<string, unknown>): string {
  const { ts, level, event, run_id: _r, mode: _m, ...rest } = r;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(ts).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${String(event)} ${fields}`.trimEnd();
}
