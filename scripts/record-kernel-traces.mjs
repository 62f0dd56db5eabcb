// @ts-check
// Re-records the kernel trace recordings in test/recordings/ipvs: boots the kernel VM
// (scripts/setup-kernel-vm prepares it), replays every recorded trace through the kernel's IPVS with
// real connections, and copies the results in. Usage: scripts/record-kernel-traces [NAME...]  (default: all)
//
// A zx script run by node (scripts/record-kernel-traces starts it); it runs in a checkout only (the
// recorder under test/ runs through tsx, a development dependency).
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $, cd, ProcessOutput } from 'zx';

cd(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
// what each step prints goes straight to ours; a failing step ends the script with its exit status
const sh = $({ stdio: 'inherit' });
let share = '';
try {
  await $({ stdio: ['ignore', 'ignore', 'inherit'] })`scripts/setup-kernel-vm`;
  await sh`npm run build --silent`;
  share = await mkdtemp('/tmp/lvslab-recordings-');
  await sh`npx tsx test/kernel/recorder/record-in-vm.ts ${share} ${process.argv.slice(2)}`;
  await mkdir('test/recordings/ipvs/traces', { recursive: true });
  await cp(`${share}/out`, 'test/recordings/ipvs', { recursive: true });
  process.stdout.write('record-kernel-traces: updated test/recordings/ipvs\n');
} catch (err) {
  if (!(err instanceof ProcessOutput)) throw err;
  process.exitCode = err.exitCode || 1;
} finally {
  if (share) await rm(share, { recursive: true, force: true });
}
