import type { Change, JoinedSegment, RenderContext } from '../target.js';
import type { AttributeValueSpec, GrantSpec, TagSpec } from './objects.js';
import { governanceName, grantData, grantRemoveData, postgresTemplates, render } from './render.js';
import { sqlSteps } from '../../plan/step.js';

/**
 * Statement economy (issue 10): changes adjacent in the plan order, of one rank and the same
 * hazards, that PostgreSQL can make with one statement — `GRANT SELECT ON TABLE v1, v2 TO g1, g2`
 * for views that share their grantees, one multi-row INSERT for many tag or attribute rows, one
 * DELETE … IN for many removed ones. A joined statement is all-or-nothing like every statement, so it makes
 * its changes at one step of the order: no prefix of the plan shows anything the single
 * statements would not (the exposure harness checks every prefix of the joined plan).
 */

/** At most this many objects in one GRANT/REVOKE, and tag rows in one INSERT/DELETE: keeps a statement's locks and text small. */
export const MAX_JOINED_OBJECTS = 100;
export const MAX_JOINED_ROWS = 1000;

/** The class a change may share a statement with, or null. */
export function joinClass(change: Change): string | null {
  if (change.kind === 'tag') return change.action === 'remove' ? 'tag-remove' : 'tag-upsert';
  // a group's attribute values: rows of <gov>.attributes, added (rank 58.5) or removed (57) —
  // plan.ts joins only within one rank and the same hazards
  if (change.kind === 'attribute') return change.action === 'add' ? 'attribute-add' : change.action === 'remove' ? 'attribute-remove' : null;
  if (change.kind !== 'grant' || change.action === 'change') return null;
  const spec = (change.action === 'add' ? change.desired : change.current)?.spec as GrantSpec | undefined;
  if (!spec) return null;
  const on = spec.on === 'schema' ? 'schema' : spec.on === 'table' || spec.on === 'view' ? 'relation' : null;
  if (on === null) return null;
  // A revoke joins only when plain: made by the owner, no grant option (CASCADE), not per column.
  if (change.action === 'remove' && (spec.dependent === true || spec.grantable === true)) return null;
  return `grant-${change.action}:${on}:${spec.privilege}`;
}

/** The segments of a run of changes of one join class. */
export function renderJoined(run: readonly Change[], ctx: RenderContext): JoinedSegment[] {
  const cls = joinClass(run[0]!);
  if (cls === null || run.some((c) => joinClass(c) !== cls)) throw new Error(`changes of different join classes cannot share a statement (${run[0]!.key})`);
  const single = (c: Change): JoinedSegment => ({ count: 1, steps: sqlSteps(render(c, ctx)) });
  if (cls.startsWith('tag-')) return chunks(run, MAX_JOINED_ROWS).map((part) => (part.length === 1 ? single(part[0]!) : tagSegment(part, cls, ctx)));
  if (cls.startsWith('attribute-')) return chunks(run, MAX_JOINED_ROWS).map((part) => (part.length === 1 ? single(part[0]!) : attributeSegment(part, cls, ctx)));
  return grantSegments(run).map((part) => (part.length === 1 ? single(part[0]!) : grantSegment(part, cls)));
}

/**
 * The fewest statements a run of one class needs, whatever its order and size: one for all its
 * tag rows or attribute rows; one per distinct set of grantees for grants (`GRANT … ON every
 * object of that set TO the set`).
 */
export function joinFloor(run: readonly Change[]): number {
  if (run.length === 0) return 0;
  const cls = joinClass(run[0]!);
  if (cls?.startsWith('tag-') || cls?.startsWith('attribute-')) return 1;
  const grantees = new Map<string, string[]>();
  for (const c of run) {
    const spec = specOf(c);
    grantees.set(spec.object, [...(grantees.get(spec.object) ?? []), spec.grantee]);
  }
  return new Set([...grantees.values()].map((g) => g.sort().join('\u0000'))).size;
}

function tagSegment(part: readonly Change[], cls: string, ctx: RenderContext): JoinedSegment {
  const rows = part.map((c) => ((c.action === 'remove' ? c.current : c.desired)!.spec as TagSpec));
  const template = cls === 'tag-remove' ? 'tag.remove.joined' : 'tag.upsert.joined';
  return { count: part.length, steps: sqlSteps(postgresTemplates().render(template, { governance: governanceName(ctx), rows })) };
}

function attributeSegment(part: readonly Change[], cls: string, ctx: RenderContext): JoinedSegment {
  const rows = part.map((c) => ((c.action === 'remove' ? c.current : c.desired)!.spec as AttributeValueSpec));
  const template = cls === 'attribute-remove' ? 'attribute.remove.joined' : 'attribute.add.joined';
  return { count: part.length, steps: sqlSteps(postgresTemplates().render(template, { governance: governanceName(ctx), rows })) };
}

/**
 * Consecutive changes on one object, then consecutive objects with the same grantees, up to
 * MAX_JOINED_OBJECTS objects: each such slice is one statement (objects × grantees).
 */
function grantSegments(run: readonly Change[]): Change[][] {
  const byObject: Change[][] = [];
  for (const c of run) {
    const last = byObject[byObject.length - 1];
    if (last && specOf(last[0]!).object === specOf(c).object) last.push(c);
    else byObject.push([c]);
  }
  const grantees = (group: readonly Change[]) => group.map((c) => specOf(c).grantee).join('\u0000');
  const out: Change[][] = [];
  let objects = 0;
  let previous: Change[] | undefined;
  for (const group of byObject) {
    const current = out[out.length - 1];
    if (current && previous && grantees(previous) === grantees(group) && objects < MAX_JOINED_OBJECTS) {
      current.push(...group);
      objects++;
    } else {
      out.push([...group]);
      objects = 1;
    }
    previous = group;
  }
  return out;
}

function grantSegment(part: readonly Change[], cls: string): JoinedSegment {
  const remove = cls.startsWith('grant-remove');
  const objects: string[] = [];
  const grantees: { name: string; toPublic: boolean }[] = [];
  const seenGrantee = new Set<string>();
  let privilege = '';
  let onSchema = false;
  for (const c of part) {
    const spec = specOf(c);
    // The same checks as a single grant's statement (quoted names, closed privilege lists).
    const data = remove ? grantRemoveData(spec) : grantData(spec);
    privilege = spec.privilege;
    onSchema = data.onSchema === true;
    if (objects[objects.length - 1] !== spec.object) objects.push(spec.object);
    if (!seenGrantee.has(spec.grantee)) grantees.push({ name: spec.grantee, toPublic: spec.grantee === '' });
    seenGrantee.add(spec.grantee);
  }
  if (objects.length * grantees.length !== part.length) throw new Error(`joined grants on ${objects[0]} are not objects × grantees`);
  return { count: part.length, steps: sqlSteps(postgresTemplates().render(remove ? 'grant.remove.joined' : 'grant.add.joined', { onSchema, privilege, objects, grantees })) };
}

function specOf(c: Change): GrantSpec {
  return (c.action === 'remove' ? c.current : c.desired)!.spec as GrantSpec;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
