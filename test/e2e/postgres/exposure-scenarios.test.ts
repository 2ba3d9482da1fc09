import { exposureSuite, SCENARIOS } from '../../support/exposure-scenarios.js';

/** Exposure window, shard 1 of 3: the first half of the edits of the applied example, and the legacy-order leaks. */
exposureSuite({ firstApply: false, scenarios: SCENARIOS.slice(0, Math.ceil(SCENARIOS.length / 2)), legacy: true });
