// The strategy SDK: the one entry a strategy module imports (`marketmakerl/sdk`): defineStrategy, the port's types, pure helpers.
//
// A strategy sees a copy of the MarketView and writes a QuoteTarget; nothing exported here reaches the
// venue, the ledger or the trading core. Modules run unchanged in every mode (bar and tick backtests,
// analyze, paper, live, the runtime): see README "Write your own strategy" and examples/strategies/.
export { defineStrategy } from './define.js';
export type {
  MarketView,
  QuoteTarget,
  QuoteLevel,
  HedgeRequest,
  TradingState,
  SignalBars,
  ParamSpec,
  ParamSpecs,
  ParamValues,
  StrategyContext,
  StrategyDefinition,
  UserStrategy,
} from '../strategy/index.js';
export { clearTarget, levelCount, MAX_LEVELS } from '../strategy/index.js';
export { roundDown, roundUp } from '../market/index.js';
export { glft, avellanedaStoikov, emptyQuote } from '../models/index.js';
export type { ModelState, Quote, GlftParams, AsParams } from '../models/index.js';
