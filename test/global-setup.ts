// Builds the CLI once before the tests that spawn bin/tradesec.js; type errors are the lint step's job.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'ignore' });
}
