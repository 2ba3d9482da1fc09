import type { Diagnostics } from '../diagnostics.js';
import type { Model, Ref, TagAssignment, TagSelector } from '../../model/types.js';
import { didYouMean } from '../../model/did-you-mean.js';
import { memberOfCycles } from '../../resolve/principals.js';

/** Unknown groups, tags, tag values and attributes, wherever they are named; member_of cycles. */
export function checkReferences(model: Model, diags: Diagnostics): void {
  const groups = [...model.groups.keys()];
  const group = (ref: Ref, where: string): void => {
    if (model.groups.has(ref.name)) return;
    const guess = didYouMean(ref.name, groups);
    diags.error('unknown-group', `unknown group '${ref.name}' in ${where}`, ref.at, guess ? `did you mean '${guess}'?` : 'declare it under groups: in a Principals document');
  };

  for (const g of model.groups.values()) {
    for (const parent of g.memberOf) group(parent, `member_of of '${g.name}'`);
    for (const [name, value] of g.attributes) {
      const def = model.attributes.get(name);
      if (!def) {
        const guess = didYouMean(name, [...model.attributes.keys()]);
        diags.error('unknown-attribute', `unknown attribute '${name}' on group '${g.name}'`, value.at, guess ? `did you mean '${guess}'?` : 'declare it under attributes: in a Principals document');
        continue;
      }
      for (const v of value.values) {
        if (!scalarHasType(v, def.type)) {
          diags.error('attribute-type', `attribute '${name}' is a ${def.type}, but group '${g.name}' gives ${JSON.stringify(v)}`, value.at, `write a ${def.type}`);
        } else if (def.values && !def.values.some((d) => String(d) === String(v))) {
          const guess = didYouMean(String(v), def.values.map(String));
          diags.error('undeclared-attribute-value', `value ${JSON.stringify(v)} is not declared for attribute '${name}' (group '${g.name}')`, value.at, guess ? `did you mean '${guess}'?` : `declared values: ${def.values.join(', ')}`);
        }
      }
    }
  }
  for (const cycle of memberOfCycles(model)) {
    const first = model.groups.get(cycle[0]!)!;
    diags.error('member-of-cycle', `member_of cycle: ${cycle.join(' -> ')}`, first.at, 'remove one member_of link of the cycle');
  }

  for (const d of model.domains) {
    for (const o of d.owners) group(o, `owners of domain '${d.name}'`);
    for (const g of d.grants) for (const r of g.groups) group(r, `a grant of domain '${d.name}'`);
    for (const t of d.tables) {
      checkAssignments(model, t.tags, diags);
      for (const c of t.columns) checkAssignments(model, c.tags, diags);
    }
  }
  for (const p of [...model.globalPolicies, ...model.domains.flatMap((d) => d.policies)]) {
    for (const e of p.exempt) group(e, `exempt of policy '${p.name}'`);
    const selector = p.spec.kind === 'mask' ? p.spec.tags : p.spec.tablesTagged;
    if (selector) checkSelector(model, selector, p.name, diags);
  }
  for (const t of model.accessTests) for (const g of t.groups) group(g, 'an access test');
  checkClassifiers(model, diags);
}

function scalarHasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'timestamp':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v));
    default:
      return typeof v === 'string';
  }
}

function unknownTag(model: Model, key: string, at: TagAssignment['at'], diags: Diagnostics): boolean {
  if (model.catalog.tags.has(key)) return false;
  const guess = didYouMean(key, [...model.catalog.tags.keys()]);
  diags.error('unknown-tag', `unknown tag '${key}'`, at, guess ? `did you mean '${guess}'?` : 'declare it in the TagCatalog');
  return true;
}

function checkValue(model: Model, key: string, value: string, at: TagAssignment['at'], diags: Diagnostics): void {
  const values = model.catalog.tags.get(key)!.values;
  if (values.includes(value)) return;
  const guess = didYouMean(value, values);
  diags.error('unknown-tag-value', `'${value}' is not a value of tag '${key}'`, at, guess ? `did you mean '${guess}'?` : `values: ${values.join(', ')}`);
}

function checkAssignments(model: Model, tags: readonly TagAssignment[], diags: Diagnostics): void {
  for (const t of tags) if (!unknownTag(model, t.key, t.at, diags)) checkValue(model, t.key, t.value, t.at, diags);
}

function checkSelector(model: Model, selector: TagSelector, policy: string, diags: Diagnostics): void {
  for (const e of selector) {
    if (unknownTag(model, e.key, e.at, diags)) continue;
    for (const v of e.values) checkValue(model, e.key, v, e.at, diags);
    if (e.atLeast !== undefined) {
      if (!model.catalog.tags.get(e.key)!.ordered) {
        diags.error('at-least-unordered', `policy '${policy}': tag '${e.key}' is not ordered, so at_least has no meaning`, e.at, `list the values instead, or declare '${e.key}' with ordered: true`);
      } else checkValue(model, e.key, e.atLeast, e.at, diags);
    }
  }
}

function checkClassifiers(model: Model, diags: Diagnostics): void {
  for (const c of model.catalog.classifiers) {
    if (!unknownTag(model, c.tag, c.at, diags)) checkValue(model, c.tag, c.value, c.at, diags);
    for (const [field, source] of [['column', c.column], ['values', c.values]] as const) {
      if (source === undefined) continue;
      try {
        compileClassifierRegex(source);
      } catch (e) {
        diags.error('bad-regex', `classifier ${field} pattern ${JSON.stringify(source)} is not a valid regular expression: ${(e as Error).message}`, c.at, 'write a JavaScript regular expression; (?i) at the start makes it case-insensitive');
      }
    }
    if (c.column === undefined && c.values === undefined) diags.error('classifier-empty', `classifier for ${c.tag}=${c.value} has neither 'column' nor 'values'`, c.at, 'add a column-name pattern, a value pattern or both');
  }
}

/** Classifier patterns accept a leading `(?i)` as most regex dialects do. */
export function compileClassifierRegex(source: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), 'iu') : new RegExp(source, 'u');
}
