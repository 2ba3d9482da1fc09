import type { NeutralType } from '../../../src/model/neutral-types.js';
import { MASK_METHODS } from '../../../src/resolve/mask-methods.js';
import type { ApiStep, JsonValue } from '../../../src/plan/step.js';

/**
 * A stateful in-memory control plane for the test-only `api-test` target: one "account" per
 * name, shared by every connection to it (like a real account). It parses what it is sent and
 * refuses what it does not understand with an HTTP-like code, so a target that sends a wrong
 * path, body or etag fails here the way it would against a vendor API:
 *   400 unknown path, method or body shape; 404 missing; 409 exists (or still referenced);
 *   412 etag precondition failed.
 * Every name in a path is one URL-encoded segment (encodeURIComponent), decoded here.
 */

export const SERVICE = 'api-test.example';

export interface SeedColumn {
  readonly name: string;
  readonly type: NeutralType;
}
export interface SeedTable {
  readonly name: string;
  readonly columns: readonly SeedColumn[];
}

/** A live resource: its body and an etag that changes on every write. */
export interface Resource {
  readonly body: { readonly [key: string]: JsonValue };
  readonly etag: string;
}

export interface Lease {
  readonly holder: string;
  readonly expires_at: string;
  readonly etag: string;
}

export interface Account {
  readonly name: string;
  readonly tables: ReadonlyMap<string, SeedTable>;
  /** Groups, group attributes, grants and masks, by canonical (encoded) path. */
  readonly resources: Map<string, Resource>;
  /** The target's recorded state, by key. */
  readonly state: Map<string, Resource>;
  lease: Lease | null;
  /** The audit chain's copy: records by seq, and the head (written with its etag as a precondition). */
  readonly audit: Map<number, { readonly at: string; readonly record: JsonValue; readonly hash: string }>;
  auditHead: { seq: number; hash: string; etag: string } | null;
  /** When the recorded state was last written (ISO, microseconds as PostgreSQL keeps them), null before. */
  stateWrittenAt: string | null;
  /** Every call received (accepted or refused), with when it arrived (performance.now()). */
  readonly log: { readonly step: ApiStep; readonly at: number; readonly code: string | null }[];
  counter: number;
}

/** A refused call; `code` is the HTTP-like status as a string (plainErrors reads it). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: '400' | '404' | '409' | '412' | '503',
    message: string,
    readonly details?: JsonValue,
  ) {
    super(`${message} (HTTP ${code})`);
  }
}

const accounts = new Map<string, Account>();

/** A fresh account with these governed base tables (and nothing else). */
export function resetAccount(name: string, options: { tables: readonly SeedTable[] }): Account {
  const account: Account = { name, tables: new Map(options.tables.map((t) => [t.name, t])), resources: new Map(), state: new Map(), lease: null, log: [], counter: 0, audit: new Map(), auditHead: null, stateWrittenAt: null };
  accounts.set(name, account);
  return account;
}

export function dropAccount(name: string): void {
  accounts.delete(name);
}

export function accountNamed(name: string): Account | undefined {
  return accounts.get(name);
}

export const enc = encodeURIComponent;

/** Handles one call against the account, as the vendor would: the response body, or an ApiError. */
export function handle(account: Account, step: ApiStep): JsonValue {
  try {
    const out = route(account, step);
    account.log.push({ step, at: performance.now(), code: null });
    return out;
  } catch (e) {
    account.log.push({ step, at: performance.now(), code: e instanceof ApiError ? e.code : 'throw' });
    throw e;
  }
}

type Body = { readonly [key: string]: JsonValue };

function route(a: Account, step: ApiStep): JsonValue {
  if (step.service !== SERVICE) throw new ApiError('400', `unknown service ${step.service}`);
  const seg = segments(step.path);
  const m = step.method;
  const body = step.body === undefined ? undefined : (structuredClone(step.body) as JsonValue);
  const at = (...pattern: string[]) => seg.length === pattern.length && pattern.every((p, i) => p === '*' || p === seg[i]);
  if (at('v1', 'resources') && m === 'GET') return { resources: [...a.resources].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([path, r]) => ({ path, body: r.body, etag: r.etag })) };
  if (at('v1', 'tables') && m === 'GET') return { tables: [...a.tables.values()].map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ name: c.name, type: c.type })) })) };
  if (at('v1', 'groups') && m === 'POST') {
    const { name } = shape(body, { name: 'string' });
    return create(a, `v1/groups/${enc(name)}`, { name });
  }
  if (at('v1', 'groups', '*') && m === 'DELETE') return deleteGroup(a, seg[2]!, step);
  if (at('v1', 'groups', '*', 'attributes') && m === 'PUT') {
    const { attributes } = shape(body, { attributes: 'object' });
    for (const v of Object.values(attributes)) if (!Array.isArray(v)) throw new ApiError('400', 'attribute values must be arrays');
    need(a, `v1/groups/${enc(seg[2]!)}`, 'group');
    return write(a, a.resources, `v1/groups/${enc(seg[2]!)}/attributes`, { group: seg[2]!, attributes });
  }
  if (at('v1', 'tables', '*', 'grants') && m === 'POST') {
    const table = needTable(a, seg[2]!);
    const { group } = shape(body, { group: 'string' });
    need(a, `v1/groups/${enc(group)}`, 'group');
    return create(a, `v1/tables/${enc(table.name)}/grants/${enc(group)}`, { table: table.name, group });
  }
  if (at('v1', 'tables', '*', 'grants', '*') && m === 'DELETE') return remove(a, a.resources, `v1/tables/${enc(seg[2]!)}/grants/${enc(seg[4]!)}`, step);
  if (at('v1', 'tables', '*', 'masks') && m === 'POST') {
    const table = needTable(a, seg[2]!);
    const b = shape(body, { column: 'string', method: 'string', exempt: 'array', keep_last: 'number?' });
    if (!(MASK_METHODS as readonly string[]).includes(b.method)) throw new ApiError('400', `unknown masking method ${JSON.stringify(b.method)}`);
    if (!table.columns.some((c) => c.name === b.column)) throw new ApiError('404', `table ${table.name} has no column ${JSON.stringify(b.column)}`);
    const exempt = groupList(a, b.exempt);
    return create(a, `v1/tables/${enc(table.name)}/masks/${enc(b.column)}`, { table: table.name, column: b.column, method: b.method, ...(b.keep_last !== undefined ? { keep_last: b.keep_last } : {}), exempt });
  }
  if (at('v1', 'tables', '*', 'masks', '*') && m === 'PATCH') {
    if (body && typeof body === 'object' && !Array.isArray(body) && ('method' in body || 'keep_last' in body)) throw new ApiError('400', 'the method of a mask cannot be changed; delete the mask and create it again');
    const { exempt } = shape(body, { exempt: 'array' });
    const path = `v1/tables/${enc(seg[2]!)}/masks/${enc(seg[4]!)}`;
    const live = need(a, path, 'mask');
    if (step.idempotency.etag === undefined) throw new ApiError('412', `PATCH ${path} needs the mask's etag (If-Match)`);
    if (step.idempotency.etag !== live.etag) throw new ApiError('412', `etag ${step.idempotency.etag} does not match the live mask's ${live.etag}`);
    return write(a, a.resources, path, { ...live.body, exempt: groupList(a, exempt) });
  }
  if (at('v1', 'tables', '*', 'masks', '*') && m === 'DELETE') return remove(a, a.resources, `v1/tables/${enc(seg[2]!)}/masks/${enc(seg[4]!)}`, step);
  if (at('v1', 'state') && m === 'GET') return { state: [...a.state].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([key, r]) => ({ key, value: r.body, etag: r.etag })) };
  if (at('v1', 'state', '*') && m === 'PUT') {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('400', 'a state row is an object');
    a.stateWrittenAt = `${new Date().toISOString().slice(0, -1)}000Z`;
    return write(a, a.state, seg[2]!, body as Body);
  }
  if (at('v1', 'state', '*') && m === 'DELETE') {
    a.stateWrittenAt = `${new Date().toISOString().slice(0, -1)}000Z`;
    return remove(a, a.state, seg[2]!, step);
  }
  if (at('v1', 'audit') && m === 'GET') {
    const rows = [...a.audit].sort(([x], [y]) => x - y).map(([seq, r]) => ({ seq, ...r }));
    return { rows, head: a.auditHead, state_written_at: a.stateWrittenAt } as unknown as JsonValue;
  }
  if (at('v1', 'audit') && m === 'POST') {
    // a record is appended once: its seq must follow the head the appender read (etag), or the chain moved
    const b = shape(body, { seq: 'number?', at: 'string', hash: 'string', record: 'object' }) as unknown as { seq?: number; at: string; hash: string; record: JsonValue };
    if (typeof b.seq !== 'number' || !Number.isInteger(b.seq)) throw new ApiError('400', 'field "seq" must be a whole number');
    const record = b.record;
    if ((a.auditHead?.etag ?? 'none') !== (step.idempotency.etag ?? 'none')) throw new ApiError('412', `the audit head is now ${a.auditHead?.etag ?? 'none'}`);
    if (a.audit.has(b.seq)) throw new ApiError('409', `audit record ${b.seq} exists`);
    a.audit.set(b.seq, { at: b.at, record, hash: b.hash });
    a.auditHead = { seq: b.seq, hash: b.hash, etag: `e${++a.counter}` };
    return { ...a.auditHead };
  }
  if (at('v1', 'leases', 'apply') && m === 'POST') return takeLease(a, shape(body, { holder: 'string', expires_at: 'string' }));
  if (at('v1', 'leases', 'apply') && m === 'PATCH') {
    // a renewal: only the holder's current lease (its etag), before it expired, is extended
    const b = shape(body, { expires_at: 'string' });
    if (!a.lease || Date.parse(a.lease.expires_at) <= Date.now()) throw new ApiError('404', 'no lease is held (it expired)');
    if (step.idempotency.etag !== a.lease.etag) throw new ApiError('412', `the lease is now ${a.lease.etag}, not ${step.idempotency.etag}`);
    a.lease = { ...a.lease, expires_at: b.expires_at, etag: `e${++a.counter}` };
    return { ...a.lease };
  }
  if (at('v1', 'leases', 'apply') && m === 'DELETE') {
    if (!a.lease) throw new ApiError('404', 'no lease is held');
    if (step.idempotency.etag !== undefined && step.idempotency.etag !== a.lease.etag) throw new ApiError('412', `the lease is now ${a.lease.etag}, not ${step.idempotency.etag}`);
    a.lease = null;
    return {};
  }
  throw new ApiError('400', `no such operation: ${m} ${step.path}`);
}

/** Decoded path segments; a malformed escape or an empty segment is a 400. */
function segments(path: string): string[] {
  return path.split('/').map((s) => {
    if (s === '') throw new ApiError('400', `empty segment in path ${JSON.stringify(path)}`);
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ApiError('400', `malformed escape in path segment ${JSON.stringify(s)}`);
    }
  });
}

type Kind = 'string' | 'number?' | 'array' | 'object';
type Shaped<S extends Record<string, Kind>> = {
  [K in keyof S]: S[K] extends 'string' ? string : S[K] extends 'number?' ? number | undefined : S[K] extends 'array' ? string[] : Record<string, JsonValue>;
};

/** The body must be an object with exactly these fields (optional ones may be missing). */
function shape<S extends Record<string, Kind>>(body: JsonValue | undefined, spec: S): Shaped<S> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('400', 'the request body must be a JSON object');
  const b = body as Body;
  for (const k of Object.keys(b)) if (!(k in spec)) throw new ApiError('400', `unknown field ${JSON.stringify(k)} in the request body`);
  for (const [k, kind] of Object.entries(spec)) {
    const v = b[k];
    const ok =
      kind === 'string' ? typeof v === 'string' && v !== ''
      : kind === 'number?' ? v === undefined || typeof v === 'number'
      : kind === 'array' ? Array.isArray(v) && v.every((x) => typeof x === 'string')
      : !!v && typeof v === 'object' && !Array.isArray(v);
    if (!ok) throw new ApiError('400', `field ${JSON.stringify(k)} must be ${kind}`);
  }
  return b as unknown as Shaped<S>;
}

function need(a: Account, path: string, what: string): Resource {
  const r = a.resources.get(path);
  if (!r) throw new ApiError('404', `no ${what} at ${path}`);
  return r;
}

function needTable(a: Account, name: string): SeedTable {
  const t = a.tables.get(name);
  if (!t) throw new ApiError('404', `no table ${JSON.stringify(name)}`);
  return t;
}

/** Exempt groups must exist; kept sorted and without repeats. */
function groupList(a: Account, groups: readonly string[]): string[] {
  for (const g of groups) need(a, `v1/groups/${enc(g)}`, 'group');
  return [...new Set(groups)].sort();
}

function write(a: Account, into: Map<string, Resource>, path: string, body: Body): JsonValue {
  const etag = `e${++a.counter}`;
  into.set(path, { body, etag });
  return { path, etag, body };
}

function create(a: Account, path: string, body: Body): JsonValue {
  if (a.resources.has(path)) throw new ApiError('409', `${path} already exists`);
  return write(a, a.resources, path, body);
}

/** DELETE; with an etag (If-Match) it must be the live one. */
function remove(a: Account, from: Map<string, Resource>, path: string, step: ApiStep): JsonValue {
  const live = from.get(path);
  if (!live) throw new ApiError('404', `nothing at ${path}`);
  if (step.idempotency.etag !== undefined && step.idempotency.etag !== live.etag) throw new ApiError('412', `etag ${step.idempotency.etag} does not match ${live.etag}`);
  from.delete(path);
  return {};
}

/** A group still granted or exempted somewhere cannot go (409); its attributes go with it. */
function deleteGroup(a: Account, group: string, step: ApiStep): JsonValue {
  const path = `v1/groups/${enc(group)}`;
  need(a, path, 'group');
  for (const [p, r] of a.resources) {
    const uses = (p.includes('/grants/') && r.body.group === group) || (p.includes('/masks/') && (r.body.exempt as string[]).includes(group));
    if (uses) throw new ApiError('409', `group ${JSON.stringify(group)} is still used by ${p}`);
  }
  a.resources.delete(`${path}/attributes`);
  return remove(a, a.resources, path, step);
}

function takeLease(a: Account, b: { holder: string; expires_at: string }): JsonValue {
  const held = a.lease;
  if (held && Date.parse(held.expires_at) > Date.now()) throw new ApiError('409', `the apply lease is held by ${held.holder} until ${held.expires_at}`, { holder: held.holder, expires_at: held.expires_at });
  const lease: Lease = { holder: b.holder, expires_at: b.expires_at, etag: `e${++a.counter}` };
  a.lease = lease;
  return { ...lease };
}
