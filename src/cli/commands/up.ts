// `lvslab up <preset|file>`: build a lab and leave it running until `lvslab down`. Real servers get
// agents (in one process of the lab's that outlives this command) serving the lab's services (HTTP
// identity page, UDP sink); the directors' load balancers start (embedded director daemons, or the
// kernel's IPVS with keepalived) with the keepalived.conf and ipvsadm files given, checked before
// anything is built. `up` returns once they all serve, so curl and nc from the client work at once.
import { parseCommandArgs } from '../args.js';
import { UsageError, printedHelp, type Command } from '../command.js';
import { buildLab } from '../../lab/build.js';
import { resolveTopology, type LabSource } from '../../lab/load.js';
import { SCALE_LIMITS, presetNames, type ScaleParams } from '../../lab/presets.js';
import { loadDirectorFiles, type DirectorFiles } from '../../api/director-inputs.js';
import { startKeptDirectors, vrrpSettleBoundMs, waitForVrrp, type KeptBackend } from '../../api/kept.js';
import type { DirectorConfig } from '../../lb/backend.js';
import { hostHasIpvs } from '../../lb/kernel/capability.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab up <preset|file> [--backend embedded|kernel|none]
                 [--keepalived DIRECTOR=FILE]... [--ipvsadm DIRECTOR=FILE]...
                 [--rs N] [--clients M] [--no-serve] [--json]

Build a lab from a preset (${presetNames().join(', ')}) or a YAML/JSON description file and
leave it running with its directors' load balancers started; prints the lab id. The lab is kept
until 'lvslab down <id>' ('lvslab gc' leaves it alone unless given --all). Namespaces are named
lvs-<id>-<host>.

  --backend B           the directors' load balancer: embedded (default: lvslab's director daemon
                        on every director, an empty table unless configured), kernel (the kernel's
                        IPVS with ipvsadm and keepalived; needs IPVS in this host's kernel), none
                        (nothing: the first 'lvslab ipvsadm' on a director starts an embedded one)
  --keepalived DS=FILE  run director DS with this keepalived.conf (virtual servers, VRRP, health
                        checks); its warnings are printed at once, in keepalived's words, and kept
                        in the lab's logs ('lvslab logs')
  --ipvsadm DS=FILE     apply these ipvsadm commands on DS at start (one per line, without or with
                        the leading 'ipvsadm'; blank lines and '#' comments skipped), after the
                        keepalived.conf's virtual servers
  --rs N                article-scale: N real servers (1-${SCALE_LIMITS.rs}, default 8)
  --clients M           article-scale: M clients (1-${SCALE_LIMITS.clients}, default 1)
  --no-serve            do not start the real servers' HTTP/UDP services
  --json                print the lab id, namespaces and addresses as JSON

Every file is checked before anything is built: a problem names the file, its line and what is
wrong. With VRRP in a keepalived.conf, up returns once VRRP has elected its masters and prints
who holds what.

  lvslab up article-single
  lvslab up article --keepalived ds1=scenarios/article/keepalived.conf --keepalived ds2=scenarios/article/keepalived-ds2.conf
  lvslab up article-scale --rs 64
  lvslab exec <id> client -- ping -c1 192.168.1.110

Exit status: 0 the lab is up; 1 it could not be built or started (nothing is left behind); 2 usage
or input error (nothing was built).`;

/** `--keepalived ds1=FILE` pairs, by director. */
function pairs(values: string[] | undefined, option: keyof DirectorFiles, into: Map<string, DirectorFiles>): void {
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--${option} '${v}' is not DIRECTOR=FILE`);
    const [director, file] = [v.slice(0, eq), v.slice(eq + 1)];
    const entry = into.get(director) ?? {};
    if (entry[option] !== undefined) throw new UsageError(`--${option} given twice for ${director}`);
    into.set(director, { ...entry, [option]: file });
  }
}

function backendOf(v: string | undefined): KeptBackend {
  if (v === undefined) return 'embedded';
  if (v === 'embedded' || v === 'kernel' || v === 'none') return v;
  throw new UsageError(`--backend: '${v}' is not embedded, kernel or none`);
}

export const upCommand: Command = {
  name: 'up',
  summary: 'build a lab from a preset or file and keep it running',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseCommandArgs(argv, {
      'no-serve': { type: 'boolean' },
      json: { type: 'boolean' },
      rs: { type: 'string' },
      clients: { type: 'string' },
      backend: { type: 'string' },
      keepalived: { type: 'string', multiple: true },
      ipvsadm: { type: 'string', multiple: true },
    });
    if (positionals.length !== 1) throw new UsageError('needs exactly one preset name or description file');
    const backend = backendOf(values.backend);
    const files = new Map<string, DirectorFiles>();
    pairs(values.keepalived, 'keepalived', files);
    pairs(values.ipvsadm, 'ipvsadm', files);
    if (backend === 'none' && files.size > 0) throw new UsageError('--backend none starts no load balancer: --keepalived and --ipvsadm need embedded or kernel');
    const params: ScaleParams = {};
    for (const k of ['rs', 'clients'] as const) {
      const v = values[k];
      if (v === undefined) continue;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > SCALE_LIMITS[k]) throw new UsageError(`--${k} must be a whole number from 1 to ${SCALE_LIMITS[k]} (got '${v}')`);
      params[k] = n;
    }
    if (Object.keys(params).length > 0 && positionals[0] !== 'article-scale') throw new UsageError(`--rs and --clients apply to the article-scale preset (not '${positionals[0]}')`);
    const source: LabSource = Object.keys(params).length > 0 ? { preset: positionals[0], ...params } : positionals[0];
    const topology = await resolveTopology(source); // input errors (exit 2) before root or anything built
    const directors = topology.hosts.filter((h) => h.role === 'director').map((h) => h.name);
    for (const d of files.keys()) {
      if (!directors.includes(d)) throw new UsageError(`'${d}' is not a director of ${positionals[0]} (directors: ${directors.join(', ') || 'none'})`);
    }
    const configs: Record<string, DirectorConfig> = {};
    const problems: string[] = [];
    for (const [d, f] of files) {
      const check = await loadDirectorFiles(f);
      // keepalived's warnings, in its words, as it prints them on reading the file (its parent names
      // no file: the director does, in front)
      for (const dg of check.diagnostics) process.stderr.write(`${d}: ${dg.text}\n`);
      problems.push(...check.problems);
      configs[d] = check.config;
    }
    if (problems.length > 0) {
      process.stderr.write(problems.map((p) => `lvslab up: ${p}\n`).join(''));
      return 2;
    }
    requireRoot('up', 'it builds network namespaces');
    if (backend === 'kernel') {
      const ipvs = await hostHasIpvs();
      if (!ipvs.ok) {
        throw new Error(`--backend kernel: ${ipvs.reason}. A lab kept by 'lvslab up' runs the kernel backend only where the host kernel has IPVS (kept labs inside the kernel VM are not supported yet); use --backend embedded, or 'lvslab run FILE --backend kernel'`);
      }
    }
    let started: Array<{ director: string; pid?: number }> = [];
    // The lab is "building", owned by this process, until the real servers' agents serve: a kill
    // before that leaves a lab gc removes, never one that looks kept. The agents' process outlives
    // this command; its pid is in the run directory for `down`.
    const lab = await buildLab(topology, {
      owner: 'kept',
      agents: false,
      source: positionals[0],
      complete: async (l) => {
        if (!values['no-serve']) await l.startKeptAgents(l.reals);
        started = await startKeptDirectors(l, backend, configs);
      },
    });
    const bound = backend === 'embedded' ? vrrpSettleBoundMs(lab) : 0;
    const vrrp = bound > 0 ? await waitForVrrp(lab, bound) : undefined;
    const hosts = lab.hosts.map((h) => ({
      host: h.name,
      role: h.role,
      namespace: h.namespace,
      addresses: h.spec.interfaces.map((i) => `${i.name} ${i.addresses.join(' ')}`),
    }));
    if (values.json) {
      process.stdout.write(JSON.stringify({ id: lab.id, runDir: lab.runDir, vip: lab.vip, dip: lab.dip, backend, hosts, directors: started, ...(vrrp ? { vrrp } : {}) }, null, 2) + '\n');
    } else {
      process.stdout.write(`${lab.id}\n`);
      for (const h of hosts) process.stderr.write(`  ${h.host.padEnd(8)} ${h.role.padEnd(8)} ${h.namespace.padEnd(20)} ${h.addresses.join(', ')}\n`);
      for (const s of started) process.stderr.write(`  ${s.director}: ${backend === 'embedded' ? `director daemon (pid ${s.pid})` : s.pid ? `keepalived (pid ${s.pid})` : 'ipvsadm lines applied'}\n`);
      if (vrrp) process.stderr.write(`  VRRP${vrrp.settled ? '' : ' (not settled yet)'}: ${vrrp.lines.join('; ')}\n`);
      process.stderr.write(`lab ${lab.id} is up; 'lvslab exec ${lab.id} <host> -- <cmd>' runs a command in it, 'lvslab down ${lab.id}' removes it\n`);
    }
    return 0;
  },
};
