import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { resetAccount, type Account, type SeedTable } from './service.js';

/**
 * A small policy repository on disk whose one target is `cloud: { type: api-test, account }`,
 * and the base tables its account must be seeded with. Tests edit the plain-object documents
 * (a method, an exemption) and write them again.
 */
export interface RepoDocs {
  account: string;
  groups: Record<string, { attributes?: Record<string, string[]> }>;
  /** Tag catalog: key → values. */
  tags: Record<string, string[]>;
  global: Record<string, unknown>[];
  domain: { name: string; schemas: string[]; tables: Record<string, { columns?: Record<string, Record<string, string>> }>; grants: { groups: string[]; read: string[] }[]; policies: Record<string, unknown>[] };
}

export function sampleDocs(account: string): { docs: RepoDocs; tables: SeedTable[] } {
  const tables: SeedTable[] = [
    { name: 'shop.sales.customers', columns: [{ name: 'id', type: 'number' }, { name: 'email', type: 'string' }, { name: 'phone', type: 'string' }, { name: 'region', type: 'string' }] },
    { name: 'shop.sales.orders', columns: [{ name: 'id', type: 'number' }, { name: 'customer_id', type: 'number' }, { name: 'amount', type: 'number' }] },
  ];
  const docs: RepoDocs = {
    account,
    groups: { analysts: { attributes: { region: ['EMEA'] } }, marketing: {}, officers: {} },
    tags: { pii: ['email', 'phone'] },
    global: [{ name: 'email-hash', mask: { tags: { pii: 'email' }, method: 'hash', exempt: ['officers'] } }],
    domain: {
      name: 'sales',
      schemas: ['shop.sales'],
      tables: { 'shop.sales.customers': { columns: { email: { pii: 'email' }, phone: { pii: 'phone' } } }, 'shop.sales.orders': {} },
      grants: [
        { groups: ['analysts'], read: ['shop.sales.customers', 'shop.sales.orders'] },
        { groups: ['marketing'], read: ['shop.sales.orders'] },
      ],
      policies: [{ name: 'phone-redact', mask: { columns: ['shop.sales.customers.phone'], method: 'redact' } }],
    },
  };
  return { docs, tables };
}

const doc = (value: unknown) => YAML.stringify(value, { lineWidth: 0 });

export function writeRepo(dir: string, d: RepoDocs): void {
  const files: Record<string, unknown> = {
    'meshward.yaml': { kind: 'Project', name: 'apitest', targets: { cloud: { type: 'api-test', account: d.account } } },
    'principals.yaml': { kind: 'Principals', attributes: { region: { type: 'string' } }, groups: d.groups },
    'catalog.yaml': { kind: 'TagCatalog', tags: Object.fromEntries(Object.entries(d.tags).map(([k, values]) => [k, { values }])) },
    'global.yaml': { kind: 'GlobalPolicies', policies: d.global },
    'domain.yaml': { kind: 'Domain', ...d.domain },
  };
  for (const [file, value] of Object.entries(files)) writeFileSync(join(dir, file), doc(value));
}

/** A fresh directory holding the repository; `cleanup` removes it. */
export function tempRepo(d: RepoDocs): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'meshward-api-test-'));
  writeRepo(dir, d);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh account seeded with the sample tables, and the sample repository on disk bound to it. */
export function freshSample(account: string): { docs: RepoDocs; tables: SeedTable[]; account: Account; repo: { dir: string; cleanup: () => void } } {
  const sample = sampleDocs(account);
  return { ...sample, account: resetAccount(account, { tables: sample.tables }), repo: tempRepo(sample.docs) };
}
