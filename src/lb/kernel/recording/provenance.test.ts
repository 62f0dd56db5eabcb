import { describe, expect, it } from 'vitest';
import { factsFromFiles, provenanceOf } from './provenance.js';

const pin = { package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3', release: '6.1.0-57-amd64', source: 'linux-source-6.1' };
const facts = factsFromFiles((name) => ({ 'uname.txt': '6.1.0-57-amd64\n', 'ipvsadm-version.txt': 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n', 'ipvsadm-package.txt': 'ipvsadm 1:1.31-1+b1' })[name] ?? '');

describe('recording provenance', () => {
  it('names the kernel package and version, and whether it is the pinned one', () => {
    const at = new Date('2026-12-06T07:00:00Z');
    expect(provenanceOf(facts, { release: '6.1.0-57-amd64', package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3' }, pin, 'how', at)).toEqual({
      kernel: { release: '6.1.0-57-amd64', package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3', pinned: true },
      ipvsadm: { version: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)', package: 'ipvsadm 1:1.31-1+b1' },
      recorded: '2026-12-06T07:00:00.000Z',
      how: 'how',
    });
    // the same release from another package version (a rebuilt kernel) is not the pinned one
    expect(provenanceOf(facts, { release: '6.1.0-57-amd64', version: '6.1.192-4' }, pin, 'how').kernel).toEqual({ release: '6.1.0-57-amd64', package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-4', pinned: false });
  });

  it('refuses a recording made on another kernel than the one it names', () => {
    expect(() => provenanceOf(facts, { release: '6.12.0-1-amd64' }, pin, 'how')).toThrow('the recording ran on kernel 6.1.0-57-amd64, but 6.12.0-1-amd64 was expected');
  });
});
