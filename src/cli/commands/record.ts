// `marketmakerl record`: record live order-book changes and trades through ccxt websockets into rotating Arrow event files.
import { UserError, checkCollectionFolder, ensureCollectionFolder } from '../../core/index.js';
import { recordMarket } from '../../data/index.js';
import { closeExchange, createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, retryPolicyFromEnv } from '../../venues/index.js';
import { silentProgress, streamProgress } from '../../core/progress.js';

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
  // Perpetuals listed too (a loopback or proxy lists spot only otherwise): `--symbol BTC/USDT:USDT` on binanceusdm.
  const ex = await createExchange({ exchange: flags.exchange, ...(exchangeUrl ? { exchangeUrl } : {}), sandbox: flags.sandbox === true, websocket: true, perpetuals: true });
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await loadMarkets(ex, { retry });
    const symbol = resolveSymbol(ex, flags.symbol);
    const undo = ensureCollectionFolder(flags.out, '--out', 'recording');
    // The one progress style: a bar over --minutes (when given) with events above it on a terminal, JSON lines otherwise.
    const progress = flags.quiet ? silentProgress : streamProgress(process.stderr);
    const t0 = Date.now();
    const totalSeconds = flags.minutes !== undefined ? Math.round(flags.minutes * 60) : 0;
    if (totalSeconds > 0) progress.start(totalSeconds, 'record', 'seconds');
    const timer = totalSeconds > 0 ? setInterval(() => progress.tick(Math.min(totalSeconds, Math.floor((Date.now() - t0) / 1000))), 1000) : undefined;
    timer?.unref();
    const report = await recordMarket(ex, {
      symbol,
      outDir: flags.out,
      ...(flags.minutes !== undefined ? { durationMs: flags.minutes * 60_000 } : {}),
      rotateEveryMs: flags.rotateMinutes * 60_000,
      ...(flags.bookLimit !== undefined ? { bookLimit: flags.bookLimit } : {}),
      retry,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.kind === 'snapshot') progress.note('book snapshot', { levels: e.levels, update_id: e.updateId ?? null });
        else if (e.kind === 'gap') progress.note('gap', { stream: e.stream, detail: `${e.detail}; resyncing` });
        else if (e.kind === 'reconnect') progress.note('reconnecting', { stream: e.stream, attempt: e.attempt, delay_ms: Math.round(e.delayMs), reason: e.reason });
        else progress.note('file complete', { file: e.file });
      },
    })
      .catch((e: unknown) => {
        undo();
        throw e;
      })
      .finally(() => clearInterval(timer));
    if (totalSeconds > 0) progress.finish();
    process.stdout.write(JSON.stringify({ ...report, seconds: Math.round((Date.now() - t0) / 100) / 10, stopped_by: stop.signal.aborted ? 'signal' : 'duration' }) + '\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeExchange(ex);
  }
}
