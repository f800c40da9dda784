import { fileURLToPath } from 'node:url';

/** The folder of the test fixtures (`test/fixtures/`), wherever the test file that reads them lives. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));
