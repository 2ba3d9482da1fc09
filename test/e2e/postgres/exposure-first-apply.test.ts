import { exposureSuite } from '../../support/exposure-scenarios.js';

/** Exposure window, shard 3 of 3: the first apply onto an empty target (every statement prefix of 250). */
exposureSuite({ firstApply: true, scenarios: [], legacy: false });
