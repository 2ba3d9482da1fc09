import { it } from 'vitest';
import { validateRepository } from '../../../src/validate.js';
import { compileAndRender, contextFor, resolvedOrThrow } from './support.js';
it('scratch', () => {
  const r = resolvedOrThrow(validateRepository({ dir: 'policies' }));
  const { steps } = compileAndRender(r, contextFor(r.model));
  for (const s of steps) if (s.object.table === 'analytics.sales.customers' || !s.object.domain) console.log(s.sql.join('\n'));
});
