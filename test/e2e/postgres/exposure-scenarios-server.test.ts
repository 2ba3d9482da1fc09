import { exposureSuite, SCENARIOS } from '../../support/exposure-scenarios.js';

/** Exposure window: the first half of the edits of the applied example, on the server. */
exposureSuite({ firstApply: false, scenarios: SCENARIOS.slice(0, Math.ceil(SCENARIOS.length / 2)), legacy: false, engine: 'server' });
