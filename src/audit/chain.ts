import { canonicalJson, sha256 } from '../plan/canonical.js';
import { redactSecrets } from './identity.js';

/**
 * The hash chain both copies of the audit trail use: `hash = sha256(prev_hash + canonical(record))`,
 * the first record chained to GENESIS. A record is plain JSON (normalised before it is hashed, so
 * the stored copy — a jsonb value, a JSONL line — hashes the same when read back).
 */

export const GENESIS = '0'.repeat(64);

export type AuditRecord = Record<string, unknown>;

export function chainHash(prev: string, record: unknown): string {
  return sha256(prev + canonicalJson(record));
}

/**
 * A value as it survives a round trip through jsonb and JSON.parse: no `undefined`, no lone
 * surrogates or NUL characters (jsonb rejects them), no non-finite numbers, passwords of URLs
 * hidden. Apply it once, before hashing.
 */
export function normalizeRecord<T>(value: T): T {
  return JSON.parse(JSON.stringify(clean(value))) as T;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value.replace(LONE_SURROGATE, '\uFFFD').replace(/\u0000/g, ''));
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[clean(k) as string] = clean(v);
    return out;
  }
  return value;
}

/** One thing wrong with the audit trail: where, at which seq (and journal entry), and what. */
export interface AuditProblem {
  /** `table`: the target's copy; `journal`: the local JSONL; `both`: they disagree. */
  readonly where: 'table' | 'journal' | 'both';
  /** The first seq affected (the target table's numbering), when there is one. */
  readonly seq: number | null;
  /** The journal entry affected, for journal problems. */
  readonly entry?: number;
  readonly message: string;
}
