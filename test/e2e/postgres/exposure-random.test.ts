import { exposureRandomSuite } from '../../support/exposure-random-suite.js';

/** The exposure window over random model changes, on PGlite (test/support/exposure-random-suite.ts). */
exposureRandomSuite('pglite');
