import { it } from 'vitest';
import { BASE, diagnosticsOf, replace, withFile, fileText } from '../support/repo-fixture.js';
const show = (f: any) => console.log(JSON.stringify(diagnosticsOf(f), null, 1));
it('scratch', () => {
  show(replace(BASE, 'domains/sales.yaml', '    tags: { sensitivity: confidential }', '    tags: { sensitivity: confidential'));
  show(replace(BASE, 'domains/sales.yaml', 'owners: [sales_leads]', 'owners: [sales_leads]\nowners: [sales_leads]'));
  show(replace(BASE, 'domains/sales.yaml', '    tags: {', '\ttags: {'));
  show(replace(BASE, 'domains/sales.yaml', 'allow: "region IN user.region"', 'allow: "region IN user.regoin"'));
  show(replace(BASE, 'domains/finance.yaml', `allow: "status = 'paid'"`, `allow: "status = 'paid' OR in_group('finance_analyst')"`));
  show(replace(BASE, 'domains/finance.yaml', `allow: "status = 'paid'"`, `allow: "status = 'paid' AND (x"`));
});
