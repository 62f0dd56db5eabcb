import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../command.js';
import { recordCommand } from './record.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-record-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('lvslab record: input errors (nothing boots)', () => {
  it('rejects a bad --kernel, no trace or two traces as usage errors', async () => {
    await expect(recordCommand.run(['--kernel', 'qemu', 'x.trace'])).rejects.toThrow(new UsageError("--kernel takes vm or native, got 'qemu'"));
    await expect(recordCommand.run([])).rejects.toThrow(UsageError);
    await expect(recordCommand.run(['a.trace', 'b.trace'])).rejects.toThrow(/takes one trace file/);
  });

  it('names the file, the line and the problem of an unknown trace command', async () => {
    const f = path.join(dir, 'bad.trace');
    fs.writeFileSync(f, '-A -t 10.0.0.1:80 -s rr\nconnect tcp 10.0.0.2:1 10.0.0.1:80\n');
    await expect(recordCommand.run(['--kernel', 'vm', f])).rejects.toThrow(new InputError(`${f}:2: unknown item 'connect' (expected an ipvsadm command line, conn, packet or advance)`));
    await expect(recordCommand.run([path.join(dir, 'missing.trace')])).rejects.toThrow(/cannot read trace '.*missing\.trace': ENOENT/);
  });

  it('a missing VM kernel is an input error naming the fix', async () => {
    const f = path.join(dir, 'ok.trace');
    fs.writeFileSync(f, '-A -u 10.0.0.100:53 -s rr\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m\nconn udp 10.0.0.2:1 10.0.0.100:53\n');
    const saved = process.env.LVSLAB_KERNEL_VM_DIR;
    process.env.LVSLAB_KERNEL_VM_DIR = path.join(dir, 'no-vm');
    try {
      await expect(recordCommand.run(['--kernel', 'vm', f])).rejects.toThrow(new InputError(`no kernel to record on: no kernel VM prepared in ${path.join(dir, 'no-vm')} (run scripts/setup-kernel-vm)`));
    } finally {
      if (saved === undefined) delete process.env.LVSLAB_KERNEL_VM_DIR;
      else process.env.LVSLAB_KERNEL_VM_DIR = saved;
    }
  });
});
