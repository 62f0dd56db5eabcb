// notify_master/backup/fault/stop and notify, run as keepalived runs them: the configured string is
// split into words (quotes group words; no shell), `notify` gets TYPE NAME STATE PRIORITY appended,
// scripts run detached from the state machine (never awaited), and failures are reported, not fatal.
import { execa } from 'execa';

export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export interface NotifyScripts {
  notifyMaster?: string;
  notifyBackup?: string;
  notifyFault?: string;
  notifyStop?: string;
  notify?: string;
}

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** the command lines a transition runs, in keepalived's order: the state's script, then `notify` */
export function notifyCommands(scripts: NotifyScripts, type: 'INSTANCE' | 'GROUP', name: string, state: NotifyState, priority?: number): string[][] {
  const specific = { MASTER: scripts.notifyMaster, BACKUP: scripts.notifyBackup, FAULT: scripts.notifyFault, STOP: scripts.notifyStop }[state];
  const cmds: string[][] = [];
  if (specific) cmds.push(splitCommand(specific));
  if (scripts.notify) {
    const args = [type, name, state];
    if (type === 'INSTANCE' && priority !== undefined) args.push(String(priority));
    cmds.push([...splitCommand(scripts.notify), ...args]);
  }
  return cmds.filter((c) => c.length > 0);
}

export function runNotify(cmds: string[][], onError: (msg: string) => void): void {
  for (const [file, ...args] of cmds) {
    execa(file, args, { stdio: 'ignore', timeout: 30_000, reject: false })
      .then((r) => {
        if (r.failed) onError(`notify script '${[file, ...args].join(' ')}' failed: ${r.shortMessage ?? r.exitCode}`);
      })
      .catch((e: Error) => onError(`notify script '${file}': ${e.message}`));
  }
}
