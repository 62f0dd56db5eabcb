// What a MISC_CHECK script's exit says (check_misc.c, keepalived.conf(5) misc_dynamic): exit 0 is up,
// anything else down — unless misc_dynamic, where 1 is down and 2-255 is up with weight code - 2.
// Pure, so the mapping is tested without running scripts.

export type MiscVerdict = { ok: true; weight?: number } | { ok: false };

export function miscVerdict(exitCode: number, dynamic: boolean): MiscVerdict {
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) throw new Error(`MISC_CHECK: exit code ${exitCode} is not 0-255`);
  if (exitCode === 0) return { ok: true };
  if (!dynamic || exitCode === 1) return { ok: false };
  return { ok: true, weight: exitCode - 2 };
}
