import { exposureSuite, SCENARIOS } from '../../support/exposure-scenarios.js';

/** Exposure window, shard 2 of 3: the second half of the edits of the applied example. */
exposureSuite({ firstApply: false, scenarios: SCENARIOS.slice(Math.ceil(SCENARIOS.length / 2)), legacy: false });
