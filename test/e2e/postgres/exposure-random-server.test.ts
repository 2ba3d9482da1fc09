import { exposureRandomSuite } from '../../support/exposure-random-suite.js';

/** The exposure window over random model changes, on the server (test/support/exposure-random-suite.ts). */
exposureRandomSuite('server');
