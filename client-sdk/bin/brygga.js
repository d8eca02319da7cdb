#!/usr/bin/env node
/**
 * `brygga`: the SDK's command-line client. The SDK ships as TypeScript, so this registers tsx and runs
 * src/cli/main.ts.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
