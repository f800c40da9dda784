#!/usr/bin/env node
// `aif`: the CLI is TypeScript (cli/main.ts), run through tsx's ESM loader as `npm run dev` runs
// local/main.ts, so a clone needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
