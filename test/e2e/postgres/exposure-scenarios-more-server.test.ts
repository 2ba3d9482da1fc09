import { exposureSuite, SCENARIOS } from '../../support/exposure-scenarios.js';

/** Exposure window: the second half of the edits of the applied example, on the server. */
exposureSuite({ firstApply: false, scenarios: SCENARIOS.slice(Math.ceil(SCENARIOS.length / 2)), legacy: false, engine: 'server' });
