import { canonicalJson, sha256 } from '../../plan/canonical.js';
import type { ViewRow } from './queries.js';

/**
 * The fingerprint of a view, compared without deparsing it (issue 10). pg_get_viewdef runs
 * AcquireRewriteLocks — a lock on the view and on every relation it reads, held to the end of
 * the transaction — so a read that deparses 10,000 views takes 20,000 lock entries ("out of
 * shared memory" on a default server). The stored rule (pg_rewrite.ev_action) is read without
 * any lock, so it is what is compared first; only a view whose rule differs from the recorded
 * one is deparsed, and compared by its definition: ev_action holds OIDs, which a dump and
 * restore changes, and the definition does not.
 *
 * Recorded as `v2:<attrs>:<rule>:<def>` — attrs: sha256 of owner, comment, options and columns
 * (always compared); rule: the rule hash read by VIEWS_QUERY; def: sha256 of pg_get_viewdef
 * ('' when unknown: then only the same rule matches). A fingerprint recorded before (64 hex
 * digits: sha256 of definition and attributes together) is compared by deparsing the view;
 * the next apply records the v2 form.
 */

export type ViewFacts = Pick<ViewRow, 'rule' | 'def' | 'options' | 'owner' | 'comment' | 'columns'>;

interface ViewPrint {
  readonly attrs: string;
  readonly rule: string;
  readonly def: string;
}

const PREFIX = 'v2:';

/** Owner, comment, options and columns: what is compared whatever the rule says. */
function attrsHash(v: ViewFacts): string {
  return sha256(canonicalJson({ options: [...v.options].sort(), owner: v.owner, comment: v.comment ?? '', columns: v.columns.map(([n, t]) => [n, t]) }));
}

/** The fingerprint recorded before v2: definition and attributes in one hash. */
export function legacyViewFingerprint(v: ViewFacts & { def: string }): string {
  return sha256(canonicalJson({ def: v.def, options: [...v.options].sort(), owner: v.owner, comment: v.comment ?? '', columns: v.columns.map(([n, t]) => [n, t]) }));
}

const format = (p: ViewPrint): string => `${PREFIX}${p.attrs}:${p.rule}:${p.def}`;

function parse(text: string | null): ViewPrint | null {
  if (text === null || !text.startsWith(PREFIX)) return null;
  const [attrs, rule, def, ...rest] = text.slice(PREFIX.length).split(':');
  return attrs !== undefined && rule !== undefined && def !== undefined && rest.length === 0 ? { attrs, rule, def } : null;
}

/** The live fingerprint of a view: its definition hash only when it was deparsed. */
export function liveViewPrint(v: ViewFacts): string {
  return format({ attrs: attrsHash(v), rule: v.rule, def: v.def === undefined ? '' : sha256(v.def) });
}

/**
 * Whether the recorded fingerprint can be confirmed from the rule alone; false means the view
 * has to be deparsed to be compared (a different rule, or a fingerprint recorded before v2).
 */
export function ruleMatches(recorded: string | null, v: Pick<ViewRow, 'rule'>): boolean {
  const p = parse(recorded);
  return p !== null && p.rule !== '' && p.rule === v.rule;
}

/** Whether a live view is the one recorded. Fails closed: a view that differs by rule and was not deparsed does not match. */
export function viewMatches(recorded: string | null, v: ViewFacts): boolean {
  if (recorded === null) return false;
  const p = parse(recorded);
  if (p === null) return v.def !== undefined && legacyViewFingerprint({ ...v, def: v.def }) === recorded;
  if (p.attrs !== attrsHash(v)) return false;
  if (p.rule !== '' && p.rule === v.rule) return true;
  return v.def !== undefined && p.def !== '' && p.def === sha256(v.def);
}

/**
 * What to record for a view live now. Deparsed: all of it is known. Not deparsed (its rule was
 * not written by this transaction): its rule is the recorded one, or the recorded definition
 * stays the reference — the next read deparses the view and compares it with that.
 */
export function viewPrintToRecord(recorded: string | null, v: ViewFacts): string {
  const attrs = attrsHash(v);
  if (v.def !== undefined) return format({ attrs, rule: v.rule, def: sha256(v.def) });
  const p = parse(recorded);
  if (p !== null) return format({ attrs, rule: p.rule === v.rule ? v.rule : p.rule, def: p.def });
  if (recorded !== null) return recorded; // recorded before v2 and not deparsed now: still compared by deparsing
  return format({ attrs, rule: v.rule, def: '' });
}

/**
 * Whether a view must be deparsed to be compared with (or recorded against) its recorded
 * fingerprint. In a read: when its rule does not confirm the record. When recording, inside the
 * apply transaction: only when this session holds a lock on the view and on every relation it
 * reads already (it made or replaced it: deparsing adds no lock entry the lock estimate did not
 * count), or once when nothing recorded says what its definition is (a fingerprint recorded
 * before v2, or none); any other view keeps what was recorded.
 */
export function needsDefinition(recorded: string | null | undefined, v: Pick<ViewRow, 'rule' | 'held'>, recording: boolean): boolean {
  const confirmed = recorded !== undefined && recorded !== null && ruleMatches(recorded, v);
  if (!recording) return recorded !== undefined && recorded !== null && !confirmed;
  if (confirmed) return false;
  return v.held === true || !(parse(recorded ?? null)?.def ?? '');
}
