import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasDockerCompose = spawnSync('docker-compose', ['--version']).status === 0;

// .ci/run installs docker-compose (Debian's package) so this runs in CI; a developer machine
// without it skips it with the reason in the name.
describe.runIf(hasDockerCompose)('docker-compose.yml (runs where docker-compose is installed)', () => {
  it('passes `docker-compose config`', () => {
    const services = execFileSync('docker-compose', ['config', '--services'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(services.trim().split('\n').sort()).toEqual([
      'api',
      'dispatcher',
      'migrate',
      'postgres',
      'redis',
      'webhook-worker',
    ]);
  });
});
