// `marketmakerl fetch`: recent klines, the order book and recent trades of one market through ccxt, as CSV files.
import { checkCollectionFolder, ensureCollectionFolder } from '../../core/index.js';
import { checkSnapshotLimits, fetchMarketSnapshot, DEFAULT_SNAPSHOT_DIR } from '../../data/index.js';
import { closeExchange, createExchange, exchangeUrlFrom, loadMarkets, retryPolicyFromEnv } from '../../venues/index.js';

export interface FetchFlags {
  exchange: string;
  symbol: string;
  timeframe: string;
  klineLimit: number;
  orderBookLimit: number;
  tradesLimit: number;
  outputDir?: string;
  exchangeUrl?: string;
  sandbox?: boolean;
}

export async function fetchCommand(flags: FetchFlags): Promise<void> {
  checkSnapshotLimits(flags);
  const dir = flags.outputDir ?? DEFAULT_SNAPSHOT_DIR;
  checkCollectionFolder(dir, '--output-dir', flags.outputDir === undefined);
  const exchangeUrl = exchangeUrlFrom(flags.exchangeUrl);
  const retry = retryPolicyFromEnv();
  const ex = await createExchange({ exchange: flags.exchange, ...(exchangeUrl ? { exchangeUrl } : {}), sandbox: flags.sandbox === true });
  try {
    await loadMarkets(ex, { retry });
    const undo = ensureCollectionFolder(dir, '--output-dir', 'market-snapshots', flags.outputDir === undefined);
    const { meta, files } = await fetchMarketSnapshot(
      ex,
      {
        symbol: flags.symbol,
        timeframe: flags.timeframe,
        klineLimit: flags.klineLimit,
        orderBookLimit: flags.orderBookLimit,
        tradesLimit: flags.tradesLimit,
        outputDir: dir,
      },
      retry,
    ).catch((e: unknown) => {
      undo();
      throw e;
    });
    process.stdout.write(JSON.stringify({ meta, files }) + '\n');
  } finally {
    await closeExchange(ex);
  }
}
