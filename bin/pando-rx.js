#!/usr/bin/env node
// The `pando-rx` command: runs the built CLI (`npm run build`, or `npm install`, makes dist/).
void require('../dist/cjs/cli/main.js').main();
