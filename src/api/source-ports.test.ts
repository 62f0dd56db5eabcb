import { describe, expect, it } from 'vitest';
import { sourcePortsOf } from './source-ports.js';

describe('sourcePortsOf', () => {
  it('takes one port or a list, and nothing as nothing', () => {
    expect(sourcePortsOf(undefined)).toBeUndefined();
    expect(sourcePortsOf(41000)).toEqual([41000]);
    expect(sourcePortsOf([41000, 41001])).toEqual([41000, 41001]);
  });

  it('names the bad port and where it is', () => {
    expect(() => sourcePortsOf([41000, 0])).toThrow('http: sourcePorts[1]: 0 is not a port (1-65535)');
    expect(() => sourcePortsOf(70000)).toThrow('http: sourcePorts: 70000 is not a port (1-65535)');
    expect(() => sourcePortsOf(['80'])).toThrow('http: sourcePorts[0]: "80" is not a port (1-65535)');
    expect(() => sourcePortsOf('80')).toThrow('http: sourcePorts must be a port or a list of ports (got "80")');
    expect(() => sourcePortsOf([])).toThrow('http: sourcePorts is empty');
  });
});
