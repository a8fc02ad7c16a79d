// What a replay of a session needs beside its config: the reference price its sizes were resolved at, and the strategy module it ran (path and hash), kept in the session's recording.
import { resolve } from 'node:path';
import { loadedStrategy } from '../strategy/index.js';
import type { TradingConfig } from './trading-config.js';

/** Schema metadata keys of a session recording (`realtime --record`) that a replay reads. */
export const REPLAY_META = { referencePrice: 'reference_price', strategyModule: 'strategy_module', strategySha256: 'strategy_sha256' } as const;

export interface ReplayMeta {
  /** The price the session resolved its sizes and limits at (the touch's mid when it started; a replay's first price). */
  referencePrice: number | undefined;
  /** Absolute path of the strategy module the session ran, and its `moduleSha256` (none for a built-in strategy). */
  strategyModule: string | undefined;
  strategySha256: string | undefined;
}

/** The metadata a session writes into its recording; the config's strategy module must be loaded already. */
export function replayMetaOf(cfg: TradingConfig, referencePrice: number): Record<string, string> {
  const out: Record<string, string> = { [REPLAY_META.referencePrice]: String(referencePrice) };
  const file = cfg.quoting.strategy;
  if (file !== undefined) {
    const l = loadedStrategy(file);
    out[REPLAY_META.strategyModule] = l?.path ?? resolve(file);
    if (l !== undefined) out[REPLAY_META.strategySha256] = l.moduleSha256;
  }
  return out;
}

/** The replay metadata of a recording (each undefined when the recording predates it or the session had none). */
export function readReplayMeta(meta: Readonly<Record<string, string>>): ReplayMeta {
  const p = Number(meta[REPLAY_META.referencePrice]);
  return {
    referencePrice: p > 0 && Number.isFinite(p) ? p : undefined,
    strategyModule: meta[REPLAY_META.strategyModule] || undefined,
    strategySha256: meta[REPLAY_META.strategySha256] || undefined,
  };
}
