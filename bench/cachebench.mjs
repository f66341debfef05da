#!/usr/bin/env node
// Entry shim: runs the TypeScript CLI through tsx so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
