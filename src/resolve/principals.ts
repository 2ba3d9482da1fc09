import type { AttributeType } from '../model/neutral-types.js';
import type { Model, Scalar } from '../model/types.js';

/** What every rule is evaluated against: the union of the groups' closures and their attributes. */
export interface Principal {
  /** The groups as asked for, sorted. */
  readonly groups: readonly string[];
  readonly closure: ReadonlySet<string>;
  readonly attributes: ReadonlyMap<string, readonly Scalar[]>;
  /** Declared attribute types, so a specialised date attribute prints as DATE '…'. */
  readonly attributeTypes: ReadonlyMap<string, AttributeType>;
}

/**
 * Group closures over `member_of`, memoised. Unknown groups and cycles are reported by the
 * cross-checks; here a cycle is simply cut so that resolution always terminates.
 */
export class PrincipalIndex {
  private readonly closures = new Map<string, ReadonlySet<string>>();
  private readonly inheritors = new Map<string, ReadonlySet<string>>();
  private children: ReadonlyMap<string, readonly string[]> | undefined;
  private readonly attributeTypes: ReadonlyMap<string, AttributeType>;

  constructor(private readonly model: Model) {
    this.attributeTypes = new Map([...model.attributes].map(([name, a]) => [name, a.type]));
  }

  /** closure(G) = G plus every group reachable through member_of. */
  closureOf(group: string): ReadonlySet<string> {
    const memo = this.closures.get(group);
    if (memo) return memo;
    const out = new Set<string>();
    const stack = [group];
    while (stack.length) {
      const g = stack.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      for (const parent of this.model.groups.get(g)?.memberOf ?? []) stack.push(parent.name);
    }
    this.closures.set(group, out);
    return out;
  }

  principal(groups: readonly string[]): Principal {
    const sorted = [...new Set(groups)].sort();
    const closure = new Set<string>();
    for (const g of sorted) for (const c of this.closureOf(g)) closure.add(c);
    const attributes = new Map<string, Scalar[]>();
    for (const g of [...closure].sort()) {
      for (const [name, v] of this.model.groups.get(g)?.attributes ?? []) {
        const list = attributes.get(name) ?? [];
        for (const value of v.values) if (!list.includes(value)) list.push(value);
        attributes.set(name, list);
      }
    }
    for (const list of attributes.values()) list.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    return { groups: sorted, closure, attributes, attributeTypes: this.attributeTypes };
  }

  /**
   * Groups whose closure holds `group` (who inherits from it): the group itself and every group
   * reaching it through `member_of`, memoised. One reverse walk of the member_of edges, so the cost
   * is the size of the answer, never groups × closure.
   */
  inheritorsOf(group: string): ReadonlySet<string> {
    const memo = this.inheritors.get(group);
    if (memo) return memo;
    const children = this.childrenIndex();
    const out = new Set<string>();
    const seen = new Set<string>([group]);
    const stack = [group];
    while (stack.length) {
      const g = stack.pop()!;
      if (this.model.groups.has(g)) out.add(g);
      for (const child of children.get(g) ?? []) {
        if (seen.has(child)) continue;
        seen.add(child);
        stack.push(child);
      }
    }
    this.inheritors.set(group, out);
    return out;
  }

  /** Reverse member_of edges: parent name -> the groups naming it (unknown parents included). */
  private childrenIndex(): ReadonlyMap<string, readonly string[]> {
    if (this.children) return this.children;
    const children = new Map<string, string[]>();
    for (const [name, g] of this.model.groups) {
      for (const parent of g.memberOf) {
        const list = children.get(parent.name);
        if (list) list.push(name);
        else children.set(parent.name, [name]);
      }
    }
    return (this.children = children);
  }
}

/** Cycles in member_of, each as the list of groups on it (first repeated at the end). */
export function memberOfCycles(model: Model): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (g: string): void => {
    state.set(g, 'visiting');
    stack.push(g);
    for (const p of model.groups.get(g)?.memberOf ?? []) {
      if (!model.groups.has(p.name)) continue;
      const s = state.get(p.name);
      if (s === 'visiting') cycles.push([...stack.slice(stack.indexOf(p.name)), p.name]);
      else if (s === undefined) visit(p.name);
    }
    stack.pop();
    state.set(g, 'done');
  };
  for (const g of [...model.groups.keys()].sort()) if (!state.has(g)) visit(g);
  return cycles;
}
