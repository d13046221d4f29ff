#!/usr/bin/env node
'use strict';
// A source checkout runs the TypeScript through tsx (a dev dependency); the published package
// ships the compiled CLI instead, and no .ts file beside this one.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, 'bedrock-cost.ts');
let cli;
if (existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require(join(__dirname, '..', 'dist', 'bin', 'bedrock-cost.js'));
}
process.exitCode = cli.main(process.argv.slice(2));
