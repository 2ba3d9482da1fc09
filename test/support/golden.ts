import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

/**
 * Compares text with a reviewed golden file. A missing golden fails like a different one: only
 * UPDATE_GOLDEN=1 writes golden files, so a test can never pass by writing what it checks.
 */
export function checkGolden(path: string, text: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  if (!existsSync(path)) expect.fail(`golden file ${path} is missing: review the output and write it with UPDATE_GOLDEN=1`);
  expect(text, `${path} differs from the golden file (review it; UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}
