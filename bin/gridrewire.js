#!/usr/bin/env node
// Thin launcher: the CLI is bundled into out/ by `npm run build` (run by `prepare`).
require('../out/main/cli.js').run();
