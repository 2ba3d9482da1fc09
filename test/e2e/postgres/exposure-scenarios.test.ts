import { exposureSuite, SCENARIOS } from '../../support/exposure-scenarios.js';

/** Exposure window: the first half of the edits of the applied example, on PGlite (shards run side by side). */
exposureSuite({ firstApply: false, scenarios: SCENARIOS.slice(0, Math.ceil(SCENARIOS.length / 2)), legacy: false, engine: 'pglite' });
