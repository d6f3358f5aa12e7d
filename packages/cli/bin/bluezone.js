#!/usr/bin/env node
// Entry point installed as `bluezone`. The TypeScript sources are compiled to dist/ by `npm ci`
// (root `prepare` script) or `npm run build`.
import { run } from '../dist/main.js';

process.exitCode = await run(process.argv.slice(2));
