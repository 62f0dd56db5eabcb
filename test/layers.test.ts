// The layers of src/ (which way the imports run) are the rules in .dependency-cruiser.cjs; this test
// fails naming each import that breaks one. `npm run lint:layers` prints the same list.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerViolations } from './layers/cruise.js';

describe('layers', () => {
  it('src/ imports only the way the layers run', async () => {
    const violations = await layerViolations();
    expect(violations, `imports that break .dependency-cruiser.cjs:\n  ${violations.join('\n  ')}\n`).toEqual([]);
  });

  // The same rules over a throw-away tree laid out like this repo, holding one import of each kind
  // the rules forbid (and node:events, which the core may use): proof that every rule bites and that
  // the test names what bit.
  describe('the rules bite', () => {
    const files: Record<string, string> = {
      'src/lb/ipvs/core.ts': [
        "import { y } from '../../lab/build.js';",
        "import dgram from 'node:dgram';",
        "import { EventEmitter } from 'node:events';",
        "import { execa } from 'execa';",
        'export const core = [y, dgram, EventEmitter, execa];',
      ].join('\n'),
      'src/lab/build.ts': 'export const y = 1;',
      'src/lab/host.ts': "import { core } from '../lb/ipvs/core.js';\nexport const host = core;",
      'src/checks/distribution.ts': "import { core } from '../lb/ipvs/core.js';\nimport { fake } from '../../test/fake.js';\nexport const d = [core, fake];",
      'src/lb/vrrp/speaker.ts': "import { daemon } from '../director/daemon.js';\nimport { up } from '../../api/up.js';\nexport const speaker = [daemon, up];",
      'src/lb/director/daemon.ts': 'export const daemon = 1;',
      'src/api/up.ts': "import { ports } from './source-ports.js';\nimport { main } from '../cli/main.js';\nexport const up = () => [ports(), main];",
      'src/api/source-ports.ts': "import { up } from './up.js';\nexport const ports = (): unknown => up;",
      'src/cli/main.ts': 'export const main = 1;',
      'src/lb/orphan.ts': 'export const alone = 1;',
      'test/fake.ts': 'export const fake = 1;',
      'node_modules/execa/package.json': '{ "name": "execa", "version": "9.0.0", "type": "module", "main": "index.js" }',
      'node_modules/execa/index.js': 'export const execa = 1;',
    };
    let root = '';
    beforeAll(() => {
      root = mkdtempSync(path.join(tmpdir(), 'lvslab-layers-'));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), `${text}\n`);
      }
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('names each forbidden import, the cycle and the orphan', async () => {
      const violations = await layerViolations(root);
      expect([...violations].sort()).toEqual(
        [
          'src/lb/ipvs/core.ts -> src/lab/build.ts (ipvs-core-imports-only-itself)',
          'src/lb/ipvs/core.ts -> node:dgram (ipvs-core-reaches-no-outside-world)',
          'src/lb/ipvs/core.ts -> execa (ipvs-core-uses-no-package)',
          'src/lab/host.ts -> src/lb/ipvs/core.ts (lab-knows-no-load-balancer)',
          'src/checks/distribution.ts -> src/lb/ipvs/core.ts (checks-judge-from-outside)',
          'src/checks/distribution.ts -> test/fake.ts (product-imports-no-test-machinery)',
          'src/lb/vrrp/speaker.ts -> src/lb/director/daemon.ts (director-hosts-the-load-balancer)',
          'src/lb/vrrp/speaker.ts -> src/api/up.ts (load-balancer-below-api)',
          'src/api/up.ts -> src/cli/main.ts (api-below-cli)',
          'src/api/source-ports.ts -> src/api/up.ts -> src/api/source-ports.ts (no-circular)',
          'src/lb/orphan.ts (no-orphans)',
        ].sort(),
      );
    });
  });
});
