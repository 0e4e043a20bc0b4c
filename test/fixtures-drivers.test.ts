import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { builtinRegistry } from '../src/cli/registry.js';
import { formatProblem, validatePaths } from '../src/schemes/loader.js';

const DIR = 'test/fixtures/drivers';

test('every driver fixture under test/fixtures/drivers is valid, all files together', async () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  const { problems, fileCount } = await validatePaths([DIR], builtinRegistry());
  assert.equal(fileCount, files.length);
  assert.deepEqual(problems.map(formatProblem), []);
});
