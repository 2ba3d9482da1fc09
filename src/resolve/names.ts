/**
 * Neutral names: `database.schema.table[.column]`. A part may be double-quoted to hold dots or
 * spaces (`analytics."odd.schema".t`). Comparison is case-insensitive, as product.md says YAML
 * names match the inventory case-insensitively when that is unique.
 */

export interface NameParts {
  readonly parts: readonly string[];
}

/** Splits a neutral name on dots outside double quotes; returns undefined when malformed. */
export function splitName(name: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i <= name.length) {
    if (name[i] === '"') {
      let part = '';
      i++;
      for (;;) {
        if (i >= name.length) return undefined;
        if (name[i] === '"') {
          if (name[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += name[i++];
      }
      parts.push(part);
    } else {
      const end = name.indexOf('.', i);
      const part = name.slice(i, end === -1 ? name.length : end);
      if (part === '' || part.includes('"')) return undefined;
      parts.push(part);
      i = end === -1 ? name.length : end;
    }
    if (i === name.length) break;
    if (name[i] !== '.') return undefined;
    i++;
    if (i === name.length) return undefined;
  }
  return parts;
}

/** Joins parts back into a neutral name, quoting parts that need it. */
export function joinName(parts: readonly string[]): string {
  return parts.map((p) => (/^[A-Za-z_*][A-Za-z0-9_$-]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join('.');
}

/** Case-folded lookup key of a name or of its parts. */
export function nameKey(parts: readonly string[]): string {
  return parts.map((p) => p.toLowerCase()).join('\u0000');
}

export type TablePattern =
  | { readonly kind: 'table'; readonly schemaKey: string; readonly key: string }
  | { readonly kind: 'schema'; readonly schemaKey: string };

export type ColumnPattern =
  | { readonly kind: 'column'; readonly tableKey: string; readonly column: string }
  | { readonly kind: 'all_columns'; readonly tableKey: string };

/** Parses `db.schema.table` or `db.schema.*`; a string error says what to write instead. */
export function parseTablePattern(text: string): TablePattern | string {
  const parts = splitName(text);
  if (!parts || parts.length !== 3) return `'${text}' is not a table name; write database.schema.table or database.schema.*`;
  if (parts.slice(0, 2).includes('*')) return `'${text}': only the table part may be '*'`;
  const schemaKey = nameKey(parts.slice(0, 2));
  return parts[2] === '*' ? { kind: 'schema', schemaKey } : { kind: 'table', schemaKey, key: nameKey(parts) };
}

/** Parses `db.schema.table.column` or `db.schema.table.*`. */
export function parseColumnPattern(text: string): ColumnPattern | string {
  const parts = splitName(text);
  if (!parts || parts.length !== 4) return `'${text}' is not a column name; write database.schema.table.column or database.schema.table.*`;
  if (parts.slice(0, 3).includes('*')) return `'${text}': only the column part may be '*'`;
  const tableKey = nameKey(parts.slice(0, 3));
  return parts[3] === '*' ? { kind: 'all_columns', tableKey } : { kind: 'column', tableKey, column: parts[3]! };
}

/** The `database.schema` key a table pattern lives in. */
export function schemaKeyOfTable(tableKey: string): string {
  return tableKey.split('\u0000').slice(0, 2).join('\u0000');
}
