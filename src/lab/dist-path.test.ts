import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledPath } from './dist-path.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('compiledPath', () => {
  it('maps a module under src/ to its file under dist/, and names what is not built', () => {
    expect(() => compiledPath(new URL('./no-such-module.ts', import.meta.url), 'thing')).toThrow(
      `lvslab thing not built: ${path.join(root, 'dist/lab/no-such-module.js')} is missing (run 'npm run build')`,
    );
  });

  it('keeps a file outside src/ as it is', () => {
    expect(compiledPath(path.join(root, 'package.json'), 'package file')).toBe(path.join(root, 'package.json'));
  });

  it('refuses a file that is not part of the package', () => {
    expect(() => compiledPath('/etc/hostname', 'host name')).toThrow(/host name: \/etc\/hostname is not a module of lvslab/);
  });
});
