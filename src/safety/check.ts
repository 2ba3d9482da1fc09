import { evaluate } from '../model/expr/index.js';
import type { NeutralType } from '../model/neutral-types.js';
import { tableAccess } from '../resolve/access.js';
import { applyMask, KEEP_LAST_DEFAULT, KEEP_LAST_MAX, KEEP_LAST_MIN, MASK_METHODS, methodAccepts, strictnessRank, type MaskMethod } from '../resolve/mask-methods.js';
import type { Resolved } from '../resolve/resolve.js';
import { keyText, normalizeValue } from './values.js';

/**
 * The exposure checker, on the resolver's terms (product.md, Safety rules, "No exposure
 * window"): a cell (row, column) a principal observes mid-apply is allowed iff ONE model — the
 * old or the new — both shows that row to the principal and allows that value: its own masking
 * of the clear value, or a stricter one. Rows and columns are never judged separately: a row
 * only the old model shows, with a value only the new model leaves clear, is a leak.
 */

/** Clear rows of one governed table, as the applying identity reads them. */
export interface BaseRows {
  /** Neutral table name, as the resolver spells it. */
  readonly table: string;
  /** Primary-key columns: rows are identified by them. */
  readonly pk: readonly string[];
  /** Column name -> neutral type. */
  readonly types: ReadonlyMap<string, NeutralType>;
  /** Clear rows as the driver returned them (Date, Uint8Array, … — not normalised). */
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/** One row a principal saw: its primary key text (`keyText`) and its cells, normalised. */
export interface ObservedRow {
  readonly pk: string;
  readonly cells: Readonly<Record<string, string>>;
}

/** What one principal sees of one table. A list, not a map: a duplicate is checked too. */
export interface Observation {
  readonly readable: boolean;
  readonly rows: readonly ObservedRow[];
}

/** A cell, row or table a principal saw that neither model allows (or an end state that differs). */
export interface StepViolation {
  readonly principal: readonly string[];
  readonly table: string;
  readonly pk?: string;
  readonly column?: string;
  /** The observed value, normalised. */
  readonly value?: string;
  readonly why: string;
}

/** How one column reaches a principal under one model. */
export interface ColumnRule {
  readonly access: MaskMethod | 'clear';
  /** For partial only. */
  readonly keepLast?: number;
}

/** One model's answer for one principal and one table. */
export interface TableAnswer {
  /** `old` or `new`, for messages. */
  readonly label: string;
  readonly readable: boolean;
  /** Column name -> rule; a column the model does not know is absent. */
  readonly columns: ReadonlyMap<string, ColumnRule>;
  /** Whether the model shows base row `index` (TRUE predicate over the clear row); memoised. */
  visible(index: number): boolean;
}

const NOT_READABLE: Omit<TableAnswer, 'label'> = { readable: false, columns: new Map(), visible: () => false };

/** What `resolved` (null: nothing governed yet) says `principal` sees of `base`. */
export function tableAnswer(label: string, resolved: Resolved | null, base: BaseRows, principal: readonly string[]): TableAnswer {
  const table = resolved?.table(base.table);
  if (!resolved || !table) return { label, ...NOT_READABLE };
  const access = tableAccess(table, resolved.principals.principal(principal));
  if (!access.readable) return { label, ...NOT_READABLE };
  const who = { attributes: access.principal.attributes, groups: access.principal.closure };
  const columnTypes = new Map([...base.types].map(([k, v]) => [k.toLowerCase(), v]));
  const memo: (boolean | undefined)[] = [];
  return {
    label,
    readable: true,
    columns: new Map(access.columns.map((c) => [c.name, internRule(base, c.name, c.access === 'partial' ? { access: c.access, keepLast: c.keepLast ?? KEEP_LAST_DEFAULT } : { access: c.access })])),
    visible(index) {
      return (memo[index] ??= access.filters.every((f) => evaluate(f.candidate.expr, base.rows[index]!, who, columnTypes) === true));
    },
  };
}

/** `rule` and every stricter rule a column of `type` can carry (clear allows every mask). */
export function stricterOrEqual(rule: ColumnRule, type: NeutralType): ColumnRule[] {
  const out: ColumnRule[] = rule.access === 'clear' ? [{ access: 'clear' }] : [];
  const rank = strictnessRank(rule.access);
  for (const m of MASK_METHODS) {
    if (!methodAccepts(m, type)) continue;
    if (m === 'partial') {
      // A smaller keep_last is stricter; partial is never stricter than another middle method.
      const upTo = rule.access === 'clear' ? KEEP_LAST_MAX : rule.access === 'partial' ? (rule.keepLast ?? KEEP_LAST_DEFAULT) : 0;
      for (let k = KEEP_LAST_MIN; k <= upTo; k++) out.push({ access: 'partial', keepLast: k });
    } else if (m === rule.access || strictnessRank(m) > rank) out.push({ access: m });
  }
  return out;
}

/** The normalised value `rule` gives for `clear` in a column of `type`. */
export function ruleValue(rule: ColumnRule, clear: unknown, type: NeutralType): string {
  return normalizeValue(rule.access === 'clear' ? clear : applyMask(rule.access, { keep_last: rule.keepLast }, clear, type), type);
}

/** Every value a model with `rule` allows for `clear`: its masking and every stricter one, normalised. */
export function allowedValues(rule: ColumnRule, clear: unknown, type: NeutralType): ReadonlySet<string> {
  return new Set(stricterOrEqual(rule, type).map((r) => ruleValue(r, clear, type)));
}

/** A rule in words: `hash`, `partial keep_last 2`. */
export function ruleText(rule: ColumnRule): string {
  return rule.access === 'partial' ? `partial keep_last ${rule.keepLast ?? KEEP_LAST_DEFAULT}` : rule.access;
}

/**
 * Memoised per base table, rule object and column: row index -> exact normalised value, and ->
 * every allowed value. Keyed by object identity (no key string is built per cell: the checker
 * looks up millions of cells per plan); `tableAnswer` interns its rules per base table, column and
 * masking so that every principal's answer shares one memo.
 */
type RowMemo<T> = WeakMap<BaseRows, WeakMap<ColumnRule, Map<string, T[]>>>;
const exactValues: RowMemo<string> = new WeakMap();
const allowedSets: RowMemo<ReadonlySet<string>> = new WeakMap();
/** Interned rules per base table: `column\0access:keepLast` -> the one rule object. */
const internedRules = new WeakMap<BaseRows, Map<string, ColumnRule>>();
/** Memoised primary key text -> row index per base table. */
const rowIndexes = new WeakMap<BaseRows, Map<string, number>>();

function internRule(base: BaseRows, column: string, rule: ColumnRule): ColumnRule {
  let rules = internedRules.get(base);
  if (!rules) internedRules.set(base, (rules = new Map()));
  const key = `${column}\u0000${rule.access}:${rule.keepLast ?? ''}`;
  const known = rules.get(key);
  if (known) return known;
  rules.set(key, rule);
  return rule;
}

/** The base row index of a primary key text, or undefined when no base row has it. */
export function rowIndexOf(base: BaseRows, pk: string): number | undefined {
  let index = rowIndexes.get(base);
  if (!index) {
    index = new Map();
    for (let i = 0; i < base.rows.length; i++) index.set(keyOfRow(base, i), i);
    rowIndexes.set(base, index);
  }
  return index.get(pk);
}

function rowMemo<T>(memo: RowMemo<T>, base: BaseRows, column: string, rule: ColumnRule): T[] {
  let byRule = memo.get(base);
  if (!byRule) memo.set(base, (byRule = new WeakMap()));
  let byColumn = byRule.get(rule);
  if (!byColumn) byRule.set(rule, (byColumn = new Map()));
  let rows = byColumn.get(column);
  if (!rows) byColumn.set(column, (rows = []));
  return rows;
}

function exactValue(base: BaseRows, row: number, column: string, rule: ColumnRule): string {
  const memo = rowMemo(exactValues, base, column, rule);
  return (memo[row] ??= ruleValue(rule, base.rows[row]![column], base.types.get(column) ?? 'other'));
}

function allowedSet(base: BaseRows, row: number, column: string, rule: ColumnRule): ReadonlySet<string> {
  const memo = rowMemo(allowedSets, base, column, rule);
  return (memo[row] ??= allowedValues(rule, base.rows[row]![column], base.types.get(column) ?? 'other'));
}

/** Fast path: the model shows the row and gives exactly this value (or NULL, the strictest mask). */
function allowsExactly(answer: TableAnswer, base: BaseRows, row: number, column: string, value: string): boolean {
  if (!answer.readable || !answer.visible(row)) return false;
  const rule = answer.columns.get(column);
  return rule !== undefined && (value === 'NULL' || value === exactValue(base, row, column, rule));
}

/** Why `answer` does not allow `value` in base row `row`, column `column`; undefined when it does. */
function refusal(answer: TableAnswer, base: BaseRows, row: number, column: string, value: string): string | undefined {
  if (!answer.readable) return `${answer.label}: not readable`;
  if (!answer.visible(row)) return `${answer.label}: row hidden`;
  const rule = answer.columns.get(column);
  if (!rule) return `${answer.label}: no column ${column}`;
  if (value === 'NULL' || allowedSet(base, row, column, rule).has(value)) return undefined;
  return `${answer.label}: ${ruleText(rule)} gives ${exactValue(base, row, column, rule)}`;
}

/**
 * One cell against the models: undefined when some model shows the row AND allows the value,
 * else why not (each model's reason). `row` is the base row index.
 */
export function checkCell(answers: readonly TableAnswer[], base: BaseRows, row: number, column: string, value: string): string | undefined {
  if (answers.some((a) => allowsExactly(a, base, row, column, value))) return undefined;
  const reasons: string[] = [];
  for (const a of answers) {
    const why = refusal(a, base, row, column, value);
    if (why === undefined) return undefined;
    reasons.push(why);
  }
  const clear = normalizeValue(base.rows[row]![column], base.types.get(column));
  return `allowed by neither model (${reasons.join('; ')})${value === clear && value !== 'NULL' ? '; it is the clear value' : ''}`;
}

/** Violations of one observation against the models' answers (typically old and new). */
export function checkObservation(answers: readonly TableAnswer[], base: BaseRows, principal: readonly string[], observed: Observation): StepViolation[] {
  if (!observed.readable) return [];
  const at = { principal, table: base.table };
  if (!answers.some((a) => a.readable)) return [{ ...at, why: `readable, but ${answers.map((a) => a.label).join(' and ')} grant no read` }];
  const out: StepViolation[] = [];
  for (const seen of observed.rows) {
    const row = rowIndexOf(base, seen.pk);
    if (row === undefined) {
      out.push({ ...at, pk: seen.pk, why: 'a row no base row has this primary key: it cannot be identified' });
      continue;
    }
    for (const [column, value] of Object.entries(seen.cells)) {
      const why = checkCell(answers, base, row, column, value);
      if (why) out.push({ ...at, pk: seen.pk, column, value, why });
    }
  }
  return out;
}

/** The exposure check of one observation: allowed by the old or by the new model, cell by cell. */
export function checkStep(oldResolved: Resolved | null, newResolved: Resolved, base: BaseRows, principal: readonly string[], observed: Observation): StepViolation[] {
  return checkObservation([tableAnswer('old', oldResolved, base, principal), tableAnswer('new', newResolved, base, principal)], base, principal, observed);
}

/** Differences between an observation and exactly what one model says (readable, rows, every value). */
export function checkExact(answer: TableAnswer, base: BaseRows, principal: readonly string[], observed: Observation): StepViolation[] {
  const at = { principal, table: base.table };
  if (observed.readable !== answer.readable) return [{ ...at, why: `${answer.label} model: ${answer.readable ? 'readable' : 'not readable'}, observed ${observed.readable ? 'readable' : 'not readable'}` }];
  const out: StepViolation[] = [];
  const seenRows = new Set<number>();
  for (const seen of observed.rows) {
    const row = rowIndexOf(base, seen.pk);
    if (row === undefined || seenRows.has(row) || !answer.visible(row)) {
      out.push({ ...at, pk: seen.pk, why: `${answer.label} model: ${row === undefined ? 'no such base row' : seenRows.has(row) ? 'row seen twice' : 'row hidden, observed'}` });
      continue;
    }
    seenRows.add(row);
    for (const [column, value] of Object.entries(seen.cells)) {
      const rule = answer.columns.get(column);
      const exact = rule && exactValue(base, row, column, rule);
      if (value !== exact) out.push({ ...at, pk: seen.pk, column, value, why: `${answer.label} model: ${rule ? `${ruleText(rule)} gives ${exact}` : 'no such column'}` });
    }
    for (const column of answer.columns.keys()) if (!(column in seen.cells)) out.push({ ...at, pk: seen.pk, column, why: `${answer.label} model: column missing` });
  }
  for (let row = 0; row < base.rows.length; row++) {
    if (answer.visible(row) && !seenRows.has(row)) out.push({ ...at, pk: keyOfRow(base, row), why: `${answer.label} model: row visible, not observed` });
  }
  return out;
}

function keyOfRow(base: BaseRows, row: number): string {
  const cells: Record<string, string> = {};
  for (const c of base.pk) cells[c] = normalizeValue(base.rows[row]![c], base.types.get(c));
  return keyText(cells, base.pk);
}
