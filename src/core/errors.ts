// Error kinds: user input faults (exit 2), boundary faults (classified), broken invariants (throw).

/** Bad input from a user: a flag, a file, a config field. Printed as one line, exit code 2. */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** A network or venue fault that survived its retries. Printed as one line, exit code 3. */
export class NetworkFault extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'NetworkFault';
  }
}

/** A broken internal invariant: a bug, never a user's fault. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

export function assertNever(value: never, what = 'value'): never {
  throw new InvariantError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Classification of a fault at a boundary (exchange, network, file system). */
export type FaultClass = 'transient' | 'rejected' | 'fatal';

export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
