// A director's inputs — a keepalived.conf, ipvsadm lines — checked before any lab is built, with
// every problem naming the user's file, its line and what is wrong (`lvslab up`, `lvslab run`, and
// `up()` all call this first). keepalived.conf is parsed as the director will parse it; ipvsadm
// lines run, in the director's order (the keepalived.conf's virtual servers first), on a scratch
// core of the embedded IPVS, which refuses exactly what the director would refuse.
import { readFile } from 'node:fs/promises';
import { createCore } from '../lb/director/core.js';
import { splitArgs } from '../lb/director/daemon.js';
import { KeepalivedConfError, configToIpvsadmCommands, parseKeepalivedConf, type ConfDiagnostic } from '../lb/keepalived/index.js';
import type { DirectorConfig } from '../lb/backend.js';

export interface DirectorCheck {
  /** keepalived's own warnings (and lvslab's notes), in its words: `(FILE: Line N) ...` */
  diagnostics: ConfDiagnostic[];
  /** what stops the director from starting, each naming its file and line */
  problems: string[];
}

/** Where ipvsadm line `i` came from, as messages name it (`FILE line N`, `directors.ds1.ipvsadm[2]`). */
export type IpvsadmWhere = (i: number) => string;

// The sync daemons' lines start sockets: never on a scratch core (it runs in the caller's namespace).
const SYNC_DAEMON = /(^|\s)--(start|stop)-daemon(\s|$)/;

export function checkDirectorConfig(config: DirectorConfig, ipvsadmWhere: IpvsadmWhere = (i) => `ipvsadm line ${i + 1}`): DirectorCheck {
  const problems: string[] = [];
  const diagnostics: ConfDiagnostic[] = [];
  const lines: Array<{ line: string; where: string }> = [];
  if (config.keepalivedConf !== undefined) {
    const file = config.keepalivedFile ?? 'keepalived.conf';
    try {
      const parsed = parseKeepalivedConf(config.keepalivedConf, { file });
      diagnostics.push(...parsed.diagnostics);
      for (const line of configToIpvsadmCommands(parsed.config)) lines.push({ line, where: `${file}: virtual_server` });
    } catch (err) {
      if (!(err instanceof KeepalivedConfError)) throw err;
      problems.push(...err.message.split('\n'));
    }
  }
  (config.ipvsadm ?? []).forEach((line, i) => lines.push({ line, where: ipvsadmWhere(i) }));
  if (problems.length > 0) return { diagnostics, problems };
  // the kernel the director will model, so a scheduler that kernel lacks is refused here too
  let core: ReturnType<typeof createCore>['core'];
  try {
    // no sync daemon ever starts on it (their lines are skipped), so nothing needs stopping after
    core = createCore(undefined, config.kernel).core;
  } catch (err) {
    return { diagnostics, problems: [`kernel: ${(err as Error).message}`] };
  }
  for (const { line, where } of lines) {
    if (SYNC_DAEMON.test(line)) continue;
    const argv = splitArgs(line);
    const r = core.ipvsadm(argv);
    if (r.status !== 0) problems.push(`${where}: 'ipvsadm ${argv.join(' ')}' fails (status ${r.status}): ${(r.stderr.trim() || r.stdout.trim()).split('\n')[0]}`);
  }
  return { diagnostics, problems };
}

/**
 * An ipvsadm file: one command per line (a leading `ipvsadm` allowed, as `ipvsadm-save` omits it),
 * blank lines and `#` comments skipped. Returns the lines and their numbers in the file.
 */
export function parseIpvsadmFile(text: string, file: string): { ipvsadm: string[]; where: IpvsadmWhere } {
  const ipvsadm: string[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    ipvsadm.push(line);
    lines.push(i + 1);
  });
  return { ipvsadm, where: (i) => `${file} line ${lines[i]}` };
}

/** What the user named for one director on the command line or in a scenario. */
export interface DirectorFiles {
  keepalived?: string;
  ipvsadm?: string;
}

/** Read a director's files into a DirectorConfig and check it. Unreadable files are problems too. */
export async function loadDirectorFiles(files: DirectorFiles): Promise<DirectorCheck & { config: DirectorConfig }> {
  const config: DirectorConfig = {};
  const problems: string[] = [];
  const read = (f: string) =>
    readFile(f, 'utf8').catch((err: NodeJS.ErrnoException) => {
      problems.push(`${f}: cannot read it (${err.code ?? err.message})`);
      return undefined;
    });
  let where: IpvsadmWhere | undefined;
  if (files.keepalived !== undefined) {
    const text = await read(files.keepalived);
    if (text !== undefined) Object.assign(config, { keepalivedConf: text, keepalivedFile: files.keepalived });
  }
  if (files.ipvsadm !== undefined) {
    const text = await read(files.ipvsadm);
    if (text !== undefined) {
      const parsed = parseIpvsadmFile(text, files.ipvsadm);
      config.ipvsadm = parsed.ipvsadm;
      where = parsed.where;
    }
  }
  if (problems.length > 0) return { config, diagnostics: [], problems };
  return { config, ...checkDirectorConfig(config, where) };
}
