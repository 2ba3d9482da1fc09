import fc from 'fast-check';
import type { CompareOp, Expr, LiteralNode, Operand } from '../../src/model/expr/ast.js';
import type { AttributeScalar } from '../../src/model/expr/index.js';
import type { AttributeType, NeutralType } from '../../src/model/neutral-types.js';
import type { AttributeDef, Group } from '../../src/model/types.js';

/**
 * The fixture of the filter-compiler tests (test/targets/<engine>/expr.test.ts): literals per
 * type, declared attributes, a group hierarchy with attribute values, the oracle's principal of a
 * set of groups, and random filter ASTs. Each engine's test adds its own columns and SQL.
 */

export const at = { file: 'principals.yaml', line: 1, col: 1 };
export const span = { start: 0, end: 0 };

export const LITERALS: Readonly<Record<Exclude<NeutralType, 'binary' | 'json' | 'other'>, readonly (string | boolean)[]>> = {
  string: ['EMEA', 'AMER', 'APAC', "it's", '', 'back\\slash'],
  number: ['0', '1', '2.5', '-3', '100'],
  boolean: [true, false],
  date: ['2024-01-01', '2023-06-15'],
  timestamp: ['2024-01-01T00:00:00.000000Z', '2023-06-15T12:30:00.500000Z'],
};

export const ATTRIBUTES: readonly { name: string; type: AttributeType }[] = [
  { name: 'region', type: 'string' },
  { name: 'level', type: 'number' },
  { name: 'day', type: 'date' },
  { name: 'since', type: 'timestamp' },
  { name: 'flag', type: 'boolean' },
];

/** g2 is a member of g0; g3 of g1 and g2 (closure(g3) = g0..g3). */
export const GROUPS: readonly { name: string; memberOf: string[]; attributes: Record<string, AttributeScalar[]> }[] = [
  { name: 'g0', memberOf: [], attributes: { region: ['EMEA'], level: [1, 2.5] } },
  { name: 'g1', memberOf: [], attributes: { region: ['AMER', 'APAC'], day: ['2024-01-01'], flag: [false] } },
  { name: 'g2', memberOf: ['g0'], attributes: { region: [], since: ['2024-01-01 00:00:00'] } },
  { name: 'g3', memberOf: ['g1', 'g2'], attributes: { flag: [true], level: ['100'] } },
  { name: 'g4', memberOf: [], attributes: {} },
];

export const groups = new Map<string, Group>(
  GROUPS.map((g) => [
    g.name,
    { name: g.name, memberOf: g.memberOf.map((name) => ({ name, at })), attributes: new Map(Object.entries(g.attributes).map(([k, values]) => [k, { values, at }])), at },
  ]),
);
export const attributes = new Map<string, AttributeDef>(ATTRIBUTES.map((a) => [a.name, { name: a.name, type: a.type, at }]));

export function closureOf(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const g = stack.pop()!;
    if (out.has(g)) continue;
    out.add(g);
    stack.push(...(GROUPS.find((x) => x.name === g)?.memberOf ?? []));
  }
  return out;
}

export function principalOf(names: readonly string[]) {
  const closure = closureOf(names);
  const attrs = new Map<string, AttributeScalar[]>();
  for (const g of closure) for (const [k, values] of Object.entries(GROUPS.find((x) => x.name === g)!.attributes)) attrs.set(k, [...(attrs.get(k) ?? []), ...values]);
  return { groups: closure, attributes: attrs };
}


type ScalarType = keyof typeof LITERALS;
const literal = (type: ScalarType): fc.Arbitrary<LiteralNode> =>
  fc.constantFrom(...LITERALS[type]).map((value) => (typeof value === 'boolean' ? { kind: 'literal', type: 'boolean', value, span } : { kind: 'literal', type, value, span }) as LiteralNode);
const nullLiteral: LiteralNode = { kind: 'literal', type: 'null', value: null, span };
const scalarType = fc.constantFrom<ScalarType>('string', 'number', 'boolean', 'date', 'timestamp');


/**
 * Random, well-typed filter ASTs over `columns` (each type present at least once; a boolean
 * column named `b`), the groups and attributes above: the generator both targets' filter
 * compilers are checked with against `evaluate()`.
 */
export function filterArbitrary(columns: readonly { readonly name: string; readonly type: NeutralType }[]): fc.Arbitrary<Expr> {
  const column = (type: ScalarType): fc.Arbitrary<Operand> => fc.constantFrom(...columns.filter((c) => c.type === type)).map((c) => ({ kind: 'column', name: c.name, span }));
  const compareArb: fc.Arbitrary<Expr> = scalarType.chain((type) => {
    const ops: CompareOp[] = type === 'string' || type === 'boolean' ? ['=', '<>'] : ['=', '<>', '<', '<=', '>', '>='];
    return fc.record({ op: fc.constantFrom(...ops), left: fc.oneof(column(type), column(type), literal(type)), right: fc.oneof(literal(type), column(type)) }).map(({ op, left, right }) => ({ kind: 'compare', op, left, right, span }) as Expr);
  });
  const inListArb: fc.Arbitrary<Expr> = scalarType.chain((type) =>
    fc
      .record({ operand: fc.oneof(column(type), column(type), literal(type)), values: fc.array(fc.oneof({ weight: 5, arbitrary: literal(type) }, { weight: 1, arbitrary: fc.constant(nullLiteral) }), { minLength: 1, maxLength: 3 }), negated: fc.boolean() })
      .map((r) => ({ kind: 'in_list', ...r, span }) as Expr),
  );
  const inUserArb: fc.Arbitrary<Expr> = fc.constantFrom(...ATTRIBUTES).chain((a) =>
    fc
      .record({ operand: fc.oneof({ weight: 4, arbitrary: column(a.type) }, { weight: 2, arbitrary: literal(a.type) }, { weight: 1, arbitrary: fc.constant(nullLiteral) }), negated: fc.boolean() })
      .map(({ operand, negated }) => ({ kind: 'in_user', operand, attribute: a.name, attributeSpan: span, negated, span }) as Expr),
  );
  const isNullArb: fc.Arbitrary<Expr> = fc
    .record({ operand: fc.oneof(scalarType.chain(column), scalarType.chain(literal), fc.constant(nullLiteral)), negated: fc.boolean() })
    .map((r) => ({ kind: 'is_null', ...r, span }) as Expr);
  const atomArb: fc.Arbitrary<Expr> = fc.oneof(
    { weight: 4, arbitrary: compareArb },
    { weight: 3, arbitrary: inListArb },
    { weight: 4, arbitrary: inUserArb },
    { weight: 2, arbitrary: isNullArb },
    { weight: 2, arbitrary: fc.constantFrom(...GROUPS.map((g) => ({ kind: 'in_group', group: g.name, span }) as Expr)) },
    { weight: 1, arbitrary: fc.constantFrom<Expr>({ kind: 'bool', value: true, span }, { kind: 'bool', value: false, span }, { kind: 'column', name: 'b', span }, nullLiteral) },
  );
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atomArb,
      fc.record({ kind: fc.constantFrom<'and' | 'or'>('and', 'or'), items: fc.array(tie('expr'), { minLength: 2, maxLength: 3 }) }).map((r) => ({ ...r, span }) as Expr),
      tie('expr').map((operand) => ({ kind: 'not', operand, span }) as Expr),
    ),
  }));
  return expr;
}
