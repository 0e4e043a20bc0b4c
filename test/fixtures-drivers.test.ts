import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { formatProblem, validatePaths } from '../src/schemes/loader.js';
import { builtins } from './helpers/drivers.js';

const DIR = 'test/fixtures/drivers';

test('every driver fixture under test/fixtures/drivers is valid, all files together', async () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  const { problems, fileCount } = await validatePaths([DIR], builtins);
  assert.equal(fileCount, files.length);
  assert.deepEqual(problems.map(formatProblem), []);
});
