import { joinName } from '../../src/resolve/names.js';
import { stepText } from '../../src/plan/step.js';
import { faultyCalls, grantPath, groupPath, maskPath, outOfBand, resetAccount, sampleDocs, tempRepo, useApiTestTarget, type Account, type RepoDocs, type SeedTable } from '../support/api-target/index.js';
import { dropAccount } from '../support/api-target/service.js';
import { openFixture, textsOf, type Fixture, type Harness } from './harness.js';

/**
 * The test-only `api-test` target (test/support/api-target/): every step an API call to an
 * in-memory control plane, no engine — nothing can be queried as a principal, so the exposure
 * and enforcement scenarios do not apply. An account is cheap, so every fault position is tried.
 */

const CUSTOMERS = 'shop.sales.customers';
const accounts = new WeakMap<Fixture, Account>();
let counter = 0;

function fixtureOn(docs: (account: string) => { docs: RepoDocs; tables: SeedTable[] }): Fixture {
  const name = `conformance-${process.pid}-${counter++}`;
  const { docs: d, tables } = docs(name);
  const account = resetAccount(name, { tables });
  const repo = tempRepo(d);
  const f: Fixture = {
    dir: repo.dir,
    target: 'cloud',
    env: process.env,
    open: () => openFixture(f),
    cleanup: async () => {
      repo.cleanup();
      dropAccount(name);
    },
  };
  accounts.set(f, account);
  return f;
}

function accountOf(f: Fixture): Account {
  const a = accounts.get(f);
  if (!a) throw new Error(`${f.dir} is not an api-test fixture`);
  return a;
}

/** The names of test/targets/api-test/hostile-names.test.ts: each is one URL-encoded path segment. */
function hostileDocs(account: string): { docs: RepoDocs; tables: SeedTable[] } {
  const [reader, exempt] = [`o'neil / "ops" 100%`, 'ünïcödé e\u0301 😀 %2F'];
  const [schema, column] = ['sales dept/%', 'e-mail %20/"work"'];
  const table = joinName(['shop', schema, `o'rders "2024"`]);
  return {
    tables: [{ name: table, columns: [{ name: 'id', type: 'number' }, { name: column, type: 'string' }] }],
    docs: {
      account,
      groups: { [reader]: { attributes: { region: ["EMEA/'x'"] } }, [exempt]: {} },
      tags: { pii: ['email'] },
      global: [{ name: 'hash-pii', mask: { tags: { pii: 'email' }, method: 'hash', exempt: [exempt] } }],
      domain: { name: 'd', schemas: [joinName(['shop', schema])], tables: { [table]: { columns: { [column]: { pii: 'email' } } } }, grants: [{ groups: [reader, exempt], read: [table] }], policies: [] },
    },
  };
}

export const apiTestHarness: Harness = {
  name: 'api-test',
  noEngine: 'needs an engine: api-test has none',
  register: useApiTestTarget,
  fresh: async () => fixtureOn(sampleDocs),
  hostile: async () => fixtureOn(hostileDocs),
  // the out-of-band edits an account can suffer (test/targets/api-test/drift.test.ts)
  edits: [
    { name: 'a grant deleted', expect: { status: 'missing', kind: 'grant' }, apply: async (f) => outOfBand.delete(accountOf(f), grantPath(CUSTOMERS, 'analysts')) },
    { name: 'a mask deleted', expect: { status: 'missing', kind: 'mask' }, apply: async (f) => outOfBand.delete(accountOf(f), maskPath(CUSTOMERS, 'email')) },
    { name: "a mask's exemptions changed", expect: { status: 'altered', kind: 'mask' }, apply: async (f) => outOfBand.setMaskExempt(accountOf(f), CUSTOMERS, 'email', ['marketing', 'officers']) },
    { name: "a group's attributes deleted", expect: { status: 'altered', kind: 'group' }, apply: async (f) => outOfBand.delete(accountOf(f), `${groupPath('analysts')}/attributes`) },
  ],
  foreign: {
    // a grant nobody recorded: meshward's key for it exists, but it is not meshward's
    add: async (f) => outOfBand.grant(accountOf(f), CUSTOMERS, 'marketing'),
    present: async (f) => accountOf(f).resources.has(grantPath(CUSTOMERS, 'marketing')),
  },
  faulty(conn, k) {
    const faulty = faultyCalls(conn, { at: k, kind: '503' });
    return { conn: faulty, sent: () => faulty.sent.map(stepText) };
  },
  faultSteps: (plan) => textsOf(plan).map((_, i) => ({ k: i + 1, why: 'every step' })),
};
