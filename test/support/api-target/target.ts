import { hostname } from 'node:os';
import { ownershipOf } from '../../../src/state/ownership.js';
import { GENESIS } from '../../../src/audit/chain.js';
import { specDrift } from '../../../src/plan/drift.js';
import { canonicalJson, sameJson, sha256 } from '../../../src/plan/canonical.js';
import type { ApiStep, JsonValue, Step } from '../../../src/plan/step.js';
import type { Inventory } from '../../../src/model/inventory.js';
import { plainErrors } from '../../../src/targets/capabilities.js';
import { TargetLockedError, TargetReadError, type AuditHead, type AuditRow, type AuditStorage, type Connection, type CurrentState, type DriftItem, type Finding, type NativeObject, type RecordOptions, type Target, type TargetContext } from '../../../src/targets/target.js';
import { apiTestAccess, compile, grantObject, groupObject, maskObject, render } from './objects.js';
import { accountNamed, ApiError, enc, handle, SERVICE } from './service.js';

/**
 * The test-only `api-test` target: every step is an API call to the in-memory control plane of
 * service.ts, and every read is one too (a Connection with `call` and no SQL). Ownership comes
 * from the recorded state (`v1/state/{key}`): a live object is meshward's iff its key is recorded.
 */

export const NO_SQL = 'the api-test target takes no SQL';

const api = (method: ApiStep['method'], path: string, body?: JsonValue, etag?: string): ApiStep => ({ kind: 'api', service: SERVICE, method, path, ...(body !== undefined ? { body } : {}), idempotency: etag ? { etag } : {} });

/** Sends a call and types its answer (the target's own calls: reads, state, lease). */
async function send<T>(conn: Connection, step: ApiStep): Promise<T> {
  if (!conn.call) throw new Error(`the ${conn.driver} connection cannot send API calls`);
  return (await conn.call(step)) as T;
}

interface LiveResource {
  readonly path: string;
  readonly body: Record<string, JsonValue>;
  readonly etag: string;
}
interface StateRow {
  readonly key: string;
  readonly value: { kind: string; label: string; domain?: string; table?: string; spec: Record<string, unknown> };
}

/** Everything live (groups folded with their attributes), read in two calls. */
async function readLive(conn: Connection): Promise<{ live: Map<string, NativeObject>; recorded: Map<string, StateRow['value']>; hash: string }> {
  const resources = await send<{ resources: LiveResource[] }>(conn, api('GET', 'v1/resources'));
  const state = await send<{ state: StateRow[] }>(conn, api('GET', 'v1/state'));
  const recorded = new Map(state.state.map((r) => [r.key, r.value]));
  const attrs = new Map(resources.resources.filter((r) => r.path.endsWith('/attributes')).map((r) => [String(r.body.group), r]));
  const live = new Map<string, NativeObject>();
  for (const r of resources.resources) {
    const b = r.body;
    const segs = r.path.split('/');
    let o: NativeObject | undefined;
    if (segs[1] === 'groups' && segs.length === 3) {
      const a = attrs.get(String(b.name));
      o = { ...groupObject(String(b.name), a ? a.body.attributes! : null), version: a?.etag ?? r.etag };
    } else if (segs[3] === 'grants') o = { ...grantObject(String(b.table), String(b.group)), version: r.etag };
    else if (segs[3] === 'masks') o = { ...maskObject(b as never), version: r.etag };
    if (!o) continue; // a group's attributes: folded into the group above
    const domain = recorded.get(o.key)?.domain;
    live.set(o.key, domain ? { ...o, domain } : o);
  }
  return { live, recorded, hash: sha256(canonicalJson([resources, state])) };
}

async function introspect(conn: Connection, ctx: TargetContext, desired: readonly NativeObject[]): Promise<CurrentState> {
  const { live, recorded, hash } = await readLive(conn);
  // recorded, not live and no longer wanted (a removal whose response was lost): only its record goes
  const wanted = new Set(desired.map((o) => o.key));
  const forgotten: NativeObject[] = [...recorded].filter(([key]) => !live.has(key) && !wanted.has(key)).map(([key, row]) => ({ key, kind: row.kind, label: row.label, ...(row.table ? { table: row.table } : {}), spec: row.spec }));
  const objects: NativeObject[] = [];
  const findings: Finding[] = [];
  for (const o of live.values()) {
    // no markers here: only the recorded state makes an object of the account ours
    if (ownershipOf({ recorded: recorded.has(o.key) }) === 'ours') objects.push(o);
    else
      findings.push({
        code: 'FOREIGN_OBJECT',
        object: o.label,
        key: o.key,
        ...(o.table ? { table: o.table } : {}),
        message: `${o.label} exists in account ${String(ctx.settings.account)} but meshward did not record making it; meshward will not change it`,
        remedy: `delete it in account ${String(ctx.settings.account)} if nobody made it on purpose, or leave it out of the model`,
      });
  }
  return { objects, findings, stateHash: hash, queryCount: 2, ...(forgotten.length ? { forgotten } : {}) };
}

/**
 * With `only`: the rows of those keys — written when desired, deleted when not. Without: exactly
 * `desired`, except the rows of `pending` keys, which stay as they are.
 */
async function recordState(conn: Connection, desired: readonly NativeObject[], _ctx: TargetContext, options: RecordOptions = {}): Promise<void> {
  const byKey = new Map(desired.map((o) => [o.key, o]));
  let keys: string[];
  if (options.only) keys = [...options.only];
  else {
    const pending = new Set(options.pending ?? []);
    const { state } = await send<{ state: StateRow[] }>(conn, api('GET', 'v1/state'));
    keys = [...new Set([...byKey.keys(), ...state.map((r) => r.key)])].filter((k) => !pending.has(k));
  }
  for (const key of keys) {
    const o = byKey.get(key);
    if (o) await send(conn, api('PUT', `v1/state/${enc(key)}`, { kind: o.kind, label: o.label, ...(o.domain ? { domain: o.domain } : {}), ...(o.table ? { table: o.table } : {}), spec: o.spec as JsonValue }));
    else
      await send(conn, api('DELETE', `v1/state/${enc(key)}`)).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === '404')) throw e; // a row never written is already gone
      });
  }
}

/** Live vs recorded: missing, altered (spec differs), extra (live, never recorded: never changed). */
async function drift(conn: Connection): Promise<{ items: DriftItem[]; queryCount: number }> {
  const { live, recorded } = await readLive(conn);
  // the core's classes and wording (plan/drift.ts specDrift): recorded rows are whole specs here
  return { items: specDrift(recorded, live), queryCount: 2 };
}



/** `v1/tables/{t}/…` → the table, for the per-table rate limit. */
export function tableOf(step: Step): string | null {
  if (step.kind !== 'api') return null;
  const m = /^v1\/tables\/([^/]+)\//.exec(step.path);
  return m ? decodeURIComponent(m[1]!) : null;
}

/**
 * The audit chain's copy in the account (StateStore.audit): a record is POSTed with the head's
 * etag as its precondition, so two appenders can never both extend one head (the second is
 * refused, 412, and its record goes to the local journal only — apply/audit.ts says so).
 */
const apiAudit: AuditStorage = {
  async append(conn, _ctx, seal) {
    const now = await send<{ rows: AuditRow[]; head: (AuditHead & { etag: string }) | null; state_written_at: string | null }>(conn, api('GET', 'v1/audit'));
    const prev: AuditHead = now.head ? { seq: now.head.seq, hash: now.head.hash } : { seq: 0, hash: GENESIS };
    const sealed = seal({ seq: prev.seq + 1, prev, stateAppliedAt: now.state_written_at });
    await send(conn, api('POST', 'v1/audit', { seq: prev.seq + 1, at: sealed.at, hash: sealed.hash, record: sealed.record as JsonValue }, now.head?.etag));
    return { seq: prev.seq + 1, at: sealed.at, record: sealed.record, hash: sealed.hash };
  },
  async read(conn) {
    const now = await send<{ rows: AuditRow[]; head: (AuditHead & { etag: string }) | null; state_written_at: string | null }>(conn, api('GET', 'v1/audit'));
    return { available: true, where: 'v1/audit', rows: now.rows, head: now.head ? { seq: now.head.seq, hash: now.head.hash } : null, stateAppliedAt: now.state_written_at };
  },
};

export const apiTestTarget: Target = {
  type: 'api-test',
  async connect(ctx) {
    const name = String(ctx.settings.account);
    const account = accountNamed(name);
    if (!account) throw new TargetReadError(`no api-test account named ${JSON.stringify(name)} (a test seeds it with resetAccount)`);
    const conn: Connection = {
      driver: 'api-test',
      query: async () => Promise.reject(new Error(NO_SQL)),
      exec: async () => Promise.reject(new Error(NO_SQL)),
      call: async (step) => handle(account, step),
      close: async () => undefined,
    };
    return conn;
  },
  async readInventory(conn): Promise<Inventory> {
    const { tables } = await send<{ tables: { name: string; columns: { name: string; type: string }[] }[] }>(conn, api('GET', 'v1/tables'));
    return {
      format: 1,
      tables: tables
        .map((t) => ({ name: t.name, native: `v1/tables/${enc(t.name)}`, columns: t.columns.map((c) => ({ name: c.name, type: c.type as never, native_type: c.type.toUpperCase() })) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  },
  compile,
  introspect: (conn, ctx, desired) => introspect(conn, ctx, desired),
  access: apiTestAccess,
  render: (change) => render(change),
  drift: (conn) => drift(conn),
  capabilities: {
    transactionalDdl: false,
    atomicReplace: ['group'], // PUT attributes replaces them in one call; a mask's method cannot be (REPLACE_GAP)
    impersonation: 'none',
    lock: 'lease',
    rateLimits: [{ name: 'api-test table writes', steps: 3, perMs: 300, resourceOf: tableOf }],
  },
  errors: plainErrors,
  state: {
    record: recordState,
    audit: apiAudit,
    async lock(conn, ctx) {
      const holder = `meshward ${process.pid}@${hostname()}`;
      const ms = typeof ctx.settings.lease_ms === 'number' ? ctx.settings.lease_ms : 60_000;
      const until = () => new Date(Date.now() + ms).toISOString();
      let lease: { etag: string };
      try {
        lease = await send(conn, api('POST', 'v1/leases/apply', { holder, expires_at: until() }));
      } catch (e) {
        if (e instanceof ApiError && e.code === '409') {
          const d = e.details as { holder: string; expires_at: string };
          throw new TargetLockedError(`target '${ctx.target.name}' is being applied by ${d.holder} (lease until ${d.expires_at}); try again later`);
        }
        throw e;
      }
      return {
        release: () => send(conn, api('DELETE', 'v1/leases/apply', undefined, lease.etag)).then(() => undefined, () => undefined),
        // renewed at a third of its life: two renewals can fail before it expires
        lease: { everyMs: Math.max(10, Math.floor(ms / 3)), renew: async () => void (lease = await send(conn, api('PATCH', 'v1/leases/apply', { expires_at: until() }, lease.etag))) },
      };
    },
  },
};
