#!/usr/bin/env node
// The `pando-rx` command: runs the built CLI (npm run build makes dist/).
require('../dist/cjs/cli/main.js');
