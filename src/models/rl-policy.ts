// The RL policy that tunes a quoting model: state/action definitions, a linear or small MLP map, and its validated JSON form.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../core/index.js';

/**
 * State features, each scaled to about [−1, 1] by the strategy that builds them (src/strategy/rl-strategy.ts):
 * - inventory: position / max inventory;
 * - volatility: ln((σ/mid) / σ_ref) clipped to ±3 and halved, σ_ref the training data's relative σ;
 * - trend: Kaufman efficiency ratio mapped from [0, 1] to [−1, 1];
 * - momentum: softsign(momentum z-score / 2), softsign(x) = x / (1 + |x|);
 * - signed_trend: efficiency ratio × sign of momentum (a directional trend);
 * - mean_reversion: −lag-1 autocorrelation of changes, in [−1, 1];
 * - order_flow: order-flow imbalance in [−1, 1] (0 in bar mode);
 * - time_of_day_sin / time_of_day_cos: the UTC time of day on the unit circle.
 */
export const STATE_FEATURES = [
  'inventory',
  'volatility',
  'trend',
  'momentum',
  'signed_trend',
  'mean_reversion',
  'order_flow',
  'time_of_day_sin',
  'time_of_day_cos',
] as const;
export type StateFeature = (typeof STATE_FEATURES)[number];

/**
 * Actions: each policy output u ∈ (−1, 1) maps to a range, linearly or in logs (so u = 0 is the
 * geometric centre). gamma_mult multiplies γ; spread_mult multiplies both quote distances from the
 * reservation price; skew shifts the quotes by that many (mean) half-spreads, positive = up.
 */
export const ACTION_NAMES = ['gamma_mult', 'spread_mult', 'skew'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export const POLICY_FORMAT = 'marketmakerl.rl-policy';
export const POLICY_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

const ActionDimSchema = z
  .object({
    name: z.enum(ACTION_NAMES),
    min: finite,
    max: finite,
    scale: z.enum(['linear', 'log']),
  })
  .refine((d) => d.max > d.min, 'action max must exceed min')
  .refine((d) => d.scale === 'linear' || d.min > 0, 'a log-scaled action needs min > 0');
export type ActionDim = z.infer<typeof ActionDimSchema>;

export const PolicySchema = z
  .object({
    format: z.literal(POLICY_FORMAT),
    version: z.literal(POLICY_VERSION),
    kind: z.enum(['linear', 'mlp']),
    hidden: z.number().int().min(0).max(256),
    state: z.object({
      features: z.array(z.enum(STATE_FEATURES)).min(1),
      /** Relative σ (per √second, fraction of price) of the training data: the volatility feature's zero. */
      sigma_ref: z.number().positive(),
      /**
       * How the trend, momentum and mean-reversion features were computed in training: over the last
       * `window` closes of `bar_seconds` bars. Drivers without bars (tick, paper, live) rebuild them the
       * same way from the mid sampled every `bar_seconds`. Absent in older files: 60 s bars, window 30.
       */
      signals: z.object({ bar_seconds: z.number().positive(), window: z.number().int().min(3) }).optional(),
    }),
    action: z.object({
      dims: z.array(ActionDimSchema).min(1),
      decision_seconds: z.number().positive(),
    }),
    /** The wrapped model and the parameters the policy adjusts. */
    base: z.object({
      model: z.enum(['as', 'glft']),
      gamma: z.number().positive(),
      horizon: z.enum(['finite', 'rolling', 'infinite']),
      horizon_seconds: z.number().positive(),
    }),
    params: z.array(finite),
    /** How it was trained (config, data, periods, algorithm): kept for provenance, not read back. */
    training: z.record(z.string(), z.unknown()),
  })
  .superRefine((p, ctx) => {
    if (p.kind === 'mlp' && p.hidden < 1) ctx.addIssue({ code: 'custom', path: ['hidden'], message: 'an mlp policy needs hidden ≥ 1' });
    const names = p.action.dims.map((d) => d.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['action', 'dims'], message: 'duplicate action' });
    if (new Set(p.state.features).size !== p.state.features.length) ctx.addIssue({ code: 'custom', path: ['state', 'features'], message: 'duplicate feature' });
    const want = paramCount(p.kind, p.hidden, p.state.features.length, p.action.dims.length);
    if (p.params.length !== want) {
      ctx.addIssue({ code: 'custom', path: ['params'], message: `expected ${want} parameters for this state/action shape, got ${p.params.length}` });
    }
  });
export type RlPolicy = z.infer<typeof PolicySchema>;

/** Number of parameters: linear A×(F+1); MLP H×(F+1) + A×(H+1) (the +1s are biases). */
export function paramCount(kind: 'linear' | 'mlp', hidden: number, features: number, actions: number): number {
  return kind === 'linear' ? actions * (features + 1) : hidden * (features + 1) + actions * (hidden + 1);
}

/** The default action ranges: identity (the plain model) at u = 0. */
export const defaultActionDims: readonly ActionDim[] = [
  { name: 'gamma_mult', min: 0.1, max: 10, scale: 'log' },
  { name: 'spread_mult', min: 0.5, max: 2, scale: 'log' },
  { name: 'skew', min: -1, max: 1, scale: 'linear' },
];

/** Map u ∈ [−1, 1] to the action's range (log: geometric interpolation). */
export function actionValue(d: Readonly<ActionDim>, u: number): number {
  if (d.scale === 'log') return Math.exp(Math.log(Math.sqrt(d.min * d.max)) + 0.5 * u * Math.log(d.max / d.min));
  return (d.min + d.max) / 2 + (u * (d.max - d.min)) / 2;
}

/**
 * A compiled policy: evaluates u = ς(W·[x, 1]) (linear) or u = ς(W₂·[ς(W₁·[x, 1]), 1]) (MLP) without
 * allocating, with the softsign squashing ς(z) = z / (1 + |z|) (shaped like tanh, bounded in (−1, 1),
 * and several times cheaper: the policy runs at every decision of every rollout step).
 * Deterministic: the same state always gives the same action.
 */
export class PolicyNet {
  readonly features: number;
  readonly actions: number;
  readonly hidden: number;
  private readonly h: Float64Array;

  constructor(
    readonly kind: 'linear' | 'mlp',
    hidden: number,
    features: number,
    actions: number,
    readonly params: Float64Array,
  ) {
    this.features = features;
    this.actions = actions;
    this.hidden = kind === 'mlp' ? hidden : 0;
    this.h = new Float64Array(Math.max(1, this.hidden));
    if (params.length !== paramCount(kind, hidden, features, actions)) throw new RangeError('policy parameter count does not match its shape');
  }

  /** Write u ∈ (−1, 1)^A for state x into `u`. */
  act(x: Float64Array, u: Float64Array): void {
    const F = this.features;
    const w = this.params;
    if (this.kind === 'linear') {
      for (let a = 0, o = 0; a < this.actions; a++, o += F + 1) {
        let z = w[o + F]!;
        for (let f = 0; f < F; f++) z += w[o + f]! * x[f]!;
        u[a] = z / (1 + Math.abs(z));
      }
      return;
    }
    const H = this.hidden;
    const h = this.h;
    for (let j = 0, o = 0; j < H; j++, o += F + 1) {
      let z = w[o + F]!;
      for (let f = 0; f < F; f++) z += w[o + f]! * x[f]!;
      h[j] = z / (1 + Math.abs(z));
    }
    const base = H * (F + 1);
    for (let a = 0, o = base; a < this.actions; a++, o += H + 1) {
      let z = w[o + H]!;
      for (let j = 0; j < H; j++) z += w[o + j]! * h[j]!;
      u[a] = z / (1 + Math.abs(z));
    }
  }
}

export function policyNet(p: Readonly<RlPolicy>): PolicyNet {
  return new PolicyNet(p.kind, p.hidden, p.state.features.length, p.action.dims.length, Float64Array.from(p.params));
}

/** Validate an already parsed value; every fault becomes one UserError line prefixed with `label`. */
export function parsePolicy(value: unknown, label: string): RlPolicy {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (v['format'] !== POLICY_FORMAT) throw new UserError(`${label}: not a marketmakerl RL policy (format '${String(v['format'])}')`);
    if (v['version'] !== POLICY_VERSION) {
      throw new UserError(`${label}: incompatible policy version ${String(v['version'])} (this build reads version ${POLICY_VERSION})`);
    }
  }
  const r = PolicySchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.') || '(root)';
  throw new UserError(`${label}: invalid policy at ${path}: ${issue.message.replace(/^Invalid input: /, '')}`);
}

/** Read and validate policy.json. Unreadable, corrupted or incompatible files throw a UserError (exit 2). */
export function loadPolicyFile(path: string, label = '--policy'): RlPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${label}: cannot read policy file ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${label}: ${path} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  return parsePolicy(value, `${label} ${path}`);
}

/** The JSON text of a policy (validated first, so nothing invalid is ever written). */
export function serializePolicy(p: Readonly<RlPolicy>): string {
  return JSON.stringify(parsePolicy(p, 'policy'), null, 2) + '\n';
}
