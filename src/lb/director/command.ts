// The commands the daemon runs in its own namespace (iptables-restore, nft, ip, sysctl), behind
// one injectable function so the netfilter rules and tunnel routes are tested without root.
import { execa } from 'execa';

export type Runner = (cmd: string, args: string[], input?: string) => Promise<{ exitCode: number; stderr: string; stdout: string }>;

export const defaultRunner: Runner = async (cmd, args, input) => {
  const r = await execa(cmd, args, { input, reject: false, timeout: 15_000 });
  return { exitCode: r.exitCode ?? 1, stderr: String(r.stderr ?? ''), stdout: String(r.stdout ?? '') };
};
