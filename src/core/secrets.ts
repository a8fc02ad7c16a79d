// The one secret scrubber: every text that reaches the ledger, a log, an artifact or an error message passes it.

/** Environment variables that hold secrets by name (exchange keys), and the shapes of names that do by convention. */
export const SECRET_ENV_NAMES = ['EXCHANGE_API_KEY', 'EXCHANGE_API_SECRET'] as const;
const SECRET_NAME = /(?:^|_)(?:SECRET|PASSWORD|PASSPHRASE|API_KEY|APIKEY|TOKEN|PRIVATE_KEY)$/i;

const REDACTED = '[redacted]';
/** Every form a registered secret may take in a text: as is, URL-encoded, JSON-escaped. Longest first. */
let forms: string[] = [];
let fromEnv = false;

function addForms(value: string): void {
  const set = new Set(forms);
  for (const f of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) if (f.length >= 4) set.add(f);
  forms = [...set].sort((a, b) => b.length - a.length);
}

/** Register a secret value (too short a value, under 4 characters, would redact ordinary text and is ignored). */
export function registerSecret(value: string | undefined): void {
  if (typeof value !== 'string' || value.length < 4) return;
  addForms(value);
}

/** The secret values of an environment: the exchange keys, and variables named like a secret (8 characters or more). */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (typeof v !== 'string') continue;
    if ((SECRET_ENV_NAMES as readonly string[]).includes(k) ? v.length >= 4 : SECRET_NAME.test(k) && v.length >= 8) out.push(v);
  }
  return out;
}

/** Register the secrets of `env` (the process environment is registered on first use). */
export function registerSecretsFrom(env: Readonly<Record<string, string | undefined>>): void {
  for (const v of secretValuesOf(env)) registerSecret(v);
}

/** `text` with every registered secret, in any of its forms, replaced by `[redacted]`. */
export function scrubSecrets(text: string): string {
  if (!fromEnv) {
    fromEnv = true;
    registerSecretsFrom(process.env);
  }
  if (forms.length === 0) return text;
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
  return out;
}

/** A JSON-serializable value with every string scrubbed (for configs and records written as JSON). */
export function scrubValue<T>(value: T): T {
  return JSON.parse(scrubSecrets(JSON.stringify(value ?? null))) as T;
}
