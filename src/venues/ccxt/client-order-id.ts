// Exchange client order ids derived from a namespace and our client id: a retried request can never become a second order.
import { createHash } from 'node:crypto';

/**
 * `mm<8 base-36 chars of sha256(namespace)>-<clientId>` — at most 26 characters, within every major
 * exchange's limit (Binance: 36, `[.A-Z:/a-z0-9_-]`). The namespace is fixed for a ledger (its first
 * run id), and client ids continue across its runs, so the same order always carries the same id and
 * can be looked up by it after a lost answer. The exchange refuses a duplicate id only while the first
 * order is open — once it has filled or been cancelled, the same id opens a second order — so a create is
 * re-sent only when lookups prove the first one absent (the duplicate-order protocol, `order-lookup.ts`).
 */
export class ClientOrderIds {
  readonly prefix: string;

  constructor(readonly namespace: string) {
    const digest = createHash('sha256').update(namespace).digest();
    this.prefix = `mm${digest.readBigUInt64BE(0).toString(36).padStart(8, '0').slice(0, 8)}-`;
  }

  of(clientId: number): string {
    return `${this.prefix}${clientId}`;
  }

  /** Our client id for an exchange client order id of this namespace, else undefined (a foreign order). */
  parse(clientOrderId: string | undefined): number | undefined {
    if (clientOrderId === undefined || !clientOrderId.startsWith(this.prefix)) return undefined;
    const rest = clientOrderId.slice(this.prefix.length);
    if (!/^\d{1,15}$/.test(rest)) return undefined;
    return Number(rest);
  }

  /** True for ids made by any namespace of ours (another run or ledger on the same account). */
  static looksOurs(clientOrderId: string | undefined): boolean {
    return clientOrderId !== undefined && /^mm[0-9a-z]{8}-\d{1,15}$/.test(clientOrderId);
  }
}
