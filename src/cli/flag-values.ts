// How the CLI reads a flag's value: numbers (finite only) and `--param name=value`; a bad value is one line naming the flag.
import { CommanderError } from 'commander';

/** A flag's value refused while parsing: main prints its message as the one line, exit 2. */
export class FlagValueError extends CommanderError {
  constructor(flag: string, value: string, expected: string) {
    super(2, 'marketmakerl.invalidArgument', `${flag}: expected ${expected}, got '${value}'`);
  }
}

/** NaN and the infinities, as JavaScript or YAML write them (`NaN`, `Infinity`, `-inf`, `.nan`, `1e999`). */
const NON_FINITE = /^[-+]?\.?(nan|inf|infinity)$/i;

/** A number flag: finite, whatever its form; `--gamma nan` and `--gamma Infinity` say so. */
export const num =
  (flag: string) =>
  (v: string): number => {
    const x = Number(v);
    if (v.trim() !== '' && Number.isFinite(x)) return x;
    throw new FlagValueError(flag, v, NON_FINITE.test(v.trim()) || (v.trim() !== '' && !Number.isNaN(x)) ? 'a finite number' : 'a number');
  };

/** `--param name=value`, repeatable: the values of a strategy module's declared parameters. */
export const param = (v: string, prev: Record<string, number> | undefined): Record<string, number> => {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(v);
  const x = m ? Number(m[2]) : Number.NaN;
  if (!m || m[2]!.trim() === '' || !Number.isFinite(x)) throw new FlagValueError('--param', v, 'name=number (a finite number)');
  return { ...prev, [m[1]!]: x };
};
