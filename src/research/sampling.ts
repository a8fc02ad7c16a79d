// Choosing at most N points of a parameter space: the full grid when it fits, else seeded Latin hypercube or random.
import { Rng, UserError } from '../core/index.js';
import { DIM_NAMES, LATE_DIMS, comboAt, comboKey, gridSize, type Combo, type ParamSpace } from './param-space.js';

export type SamplingMethod = 'auto' | 'grid' | 'lhs' | 'random';

export interface Sample {
  combos: Combo[];
  /** What was used: the grid when it fits in `max`, else the requested sampler. */
  method: 'grid' | 'lhs' | 'random';
  gridSize: number;
}

/**
 * `auto` and `lhs`: grid if its size ≤ max, else a Latin hypercube of `max` points (each dimension's
 * levels used as evenly as `max` allows), duplicates dropped. `random`: independent uniform levels,
 * duplicates redrawn. `grid` insists on the grid and fails when it does not fit.
 */
export function sampleSpace(space: ParamSpace, max: number, method: SamplingMethod, seed: number): Sample {
  const size = gridSize(space);
  if (!Number.isInteger(max) || max < 1) throw new UserError(`--max-combinations: expected an integer >= 1, got ${max}`);
  if (size <= max && method !== 'random') return { combos: grid(space), method: 'grid', gridSize: size };
  if (method === 'grid') throw new UserError(`--sampling grid: the grid has ${size} points, more than --max-combinations ${max}`);
  const rng = new Rng(seed).fork(`sampling:${method}`);
  const combos = method === 'random' ? random(space, max, rng) : latinHypercube(space, max, rng);
  return { combos, method: method === 'random' ? 'random' : 'lhs', gridSize: size };
}

function grid(space: ParamSpace): Combo[] {
  const lens = DIM_NAMES.map((d) => space[d].length);
  const out: Combo[] = [];
  const idx = lens.map(() => 0);
  for (;;) {
    out.push(comboAt(space, idx));
    let d = lens.length - 1;
    while (d >= 0 && ++idx[d]! === lens[d]!) idx[d--] = 0;
    if (d < 0) return out;
  }
}

function latinHypercube(space: ParamSpace, n: number, rng: Rng): Combo[] {
  const cols = DIM_NAMES.map((d) => {
    const levels = space[d].length;
    const perm = shuffle(Array.from({ length: n }, (_, i) => i), rng);
    return perm.map((stratum) => Math.min(levels - 1, Math.floor(((stratum + rng.next()) / n) * levels)));
  });
  const seen = new Set<string>();
  const out: Combo[] = [];
  for (let i = 0; i < n; i++) {
    const c = comboAt(space, cols.map((col) => col[i]!));
    const key = comboKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

function random(space: ParamSpace, n: number, rng: Rng): Combo[] {
  const seen = new Set<string>();
  const out: Combo[] = [];
  for (let tries = 0; out.length < n && tries < n * 50; tries++) {
    const c = comboAt(space, DIM_NAMES.map((d) => (LATE_DIMS.has(d) && space[d].length === 1 ? 0 : rng.int(space[d].length))));
    const key = comboKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

function shuffle<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
