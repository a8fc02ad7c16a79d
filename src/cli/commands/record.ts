// `marketmakerl record`: record live order-book changes and trades through ccxt websockets into rotating Arrow event files.
import { UserError, checkCollectionFolder, ensureCollectionFolder } from '../../core/index.js';
import { recordMarket } from '../../data/index.js';
import { closeExchange, createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, retryPolicyFromEnv } from '../../venues/index.js';

export interface RecordFlags {
  exchange: string;
  symbol: string;
  minutes?: number;
  out: string;
  rotateMinutes: number;
  bookLimit?: number;
  exchangeUrl?: string;
  sandbox?: boolean;
  quiet?: boolean;
}

export async function recordCommand(flags: RecordFlags): Promise<void> {
  if (flags.minutes !== undefined && !(flags.minutes > 0)) throw new UserError(`--minutes: expected a positive number, got ${flags.minutes}`);
  if (!(flags.rotateMinutes > 0)) throw new UserError(`--rotate-minutes: expected a positive number, got ${flags.rotateMinutes}`);
  if (flags.bookLimit !== undefined && !(Number.isInteger(flags.bookLimit) && flags.bookLimit > 0)) throw new UserError(`--book-limit: expected a positive whole number, got ${flags.bookLimit}`);
  checkCollectionFolder(flags.out, '--out');
  const exchangeUrl = exchangeUrlFrom(flags.exchangeUrl);
  const retry = retryPolicyFromEnv();
  const ex = await createExchange({ exchange: flags.exchange, ...(exchangeUrl ? { exchangeUrl } : {}), sandbox: flags.sandbox === true, websocket: true });
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await loadMarkets(ex, { retry });
    const symbol = resolveSymbol(ex, flags.symbol);
    const undo = ensureCollectionFolder(flags.out, '--out', 'recording');
    const log = (line: string): void => {
      if (!flags.quiet) process.stderr.write(line + '\n');
    };
    const t0 = Date.now();
    const report = await recordMarket(ex, {
      symbol,
      outDir: flags.out,
      ...(flags.minutes !== undefined ? { durationMs: flags.minutes * 60_000 } : {}),
      rotateEveryMs: flags.rotateMinutes * 60_000,
      ...(flags.bookLimit !== undefined ? { bookLimit: flags.bookLimit } : {}),
      retry,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.kind === 'snapshot') log(`book snapshot: ${e.levels} levels at update ${e.updateId ?? '?'}`);
        else if (e.kind === 'gap') log(`warning: ${e.stream} gap: ${e.detail}; resyncing`);
        else if (e.kind === 'reconnect') log(`reconnecting ${e.stream} (attempt ${e.attempt}) in ${Math.round(e.delayMs)} ms: ${e.reason}`);
        else log(`file complete: ${e.file}`);
      },
    }).catch((e: unknown) => {
      undo();
      throw e;
    });
    process.stdout.write(JSON.stringify({ ...report, seconds: Math.round((Date.now() - t0) / 100) / 10, stopped_by: stop.signal.aborted ? 'signal' : 'duration' }) + '\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeExchange(ex);
  }
}
