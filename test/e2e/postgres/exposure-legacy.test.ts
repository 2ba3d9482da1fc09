import { exposureSuite } from '../../support/exposure-scenarios.js';

/** Exposure window: the order before the harness (tighten, grant, revoke, loosen) leaks — the harness must catch each, on every engine. */
exposureSuite({ firstApply: false, scenarios: [], legacy: true });
