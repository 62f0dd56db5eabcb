// The netfilter and policy-routing state the director installs in its own namespace, derived from
// the configured services: which packets are queued to us, which bypass conntrack, how a verdict
// mark becomes DR forwarding or (offload) kernel DNAT, and how "reject" becomes an ICMP port
// unreachable. Rendering is pure (tested without root); `RulesManager` applies and removes it.
// The rules are owned: the first rule of each of our chains is a comment naming the daemon that
// filled it (director, pid, start time), and only that daemon removes them — a leftover of a dead
// one is cleared by the next, one of a live one is never touched.
import { isAlive } from '../../lab/procs.js';
import type { Forwarding, ServiceKey } from '../ipvs/types.js';
import { defaultRunner, type Runner } from './command.js';

export type DataplaneMode = 'per-packet' | 'offload';

export interface RuleDest {
  addr: string;
  port: number;
  forwarding: Forwarding;
}

export interface RuleService {
  key: ServiceKey;
  dests: RuleDest[];
}

export interface RulesSpec {
  queue: number;
  mode: DataplaneMode;
  services: RuleService[];
  /** the verdict mark that makes filter/INPUT answer with ICMP port unreachable */
  rejectMark: number;
  /** verdict mark per destination (`addr:port`) for DR routing and offload DNAT */
  destMarks: ReadonlyMap<string, number>;
}

export const CHAIN_PRE = 'LVSLAB_PRE';
export const CHAIN_POST = 'LVSLAB_POST';
export const CHAIN_IN = 'LVSLAB_IN';
export const NFT_TABLE = 'lvslab';

/** ICMP types that quote the packet they are about: they must follow the connection's NAT. */
const ICMP_ERRORS = ['destination-unreachable', 'source-quench', 'time-exceeded', 'parameter-problem'];
/** The ICMPv6 errors (RFC 4443), packet too big among them. */
const ICMPV6_ERRORS = ['destination-unreachable', 'packet-too-big', 'time-exceeded', 'parameter-problem'];

export type RulesFamily = 4 | 6;

/** A service's family: by its address, or a fwmark service's `af` (AF_INET6 = 10). */
export function serviceFamily(key: ServiceKey): RulesFamily {
  return key.kind === 'fwmark' ? (key.af === 10 ? 6 : 4) : key.addr.includes(':') ? 6 : 4;
}

/** iptables or ip6tables, and their -save/-restore. */
function tool(family: RulesFamily, suffix = ''): string {
  return `${family === 6 ? 'ip6tables' : 'iptables'}${suffix}`;
}

export function destKey(addr: string, port: number): string {
  return `${addr}:${port}`;
}

function protoOf(key: ServiceKey): 'tcp' | 'udp' | null {
  return key.kind === 'fwmark' ? null : key.kind;
}

/** Where each rule jumps from: [table, builtin chain, our chain]. */
export const JUMPS: ReadonlyArray<readonly [string, string, string]> = [
  ['raw', 'PREROUTING', CHAIN_PRE],
  ['mangle', 'PREROUTING', CHAIN_PRE],
  ['mangle', 'POSTROUTING', CHAIN_POST],
  ['filter', 'INPUT', CHAIN_IN],
  ['filter', 'FORWARD', CHAIN_IN],
];

/** The daemon that owns the rules: its director and process (pid + start time, so a reused pid is not it). */
export interface RulesOwner {
  director: string;
  pid: number;
  start: number;
}

const OWNER_TAG = 'lvslab-owner';

/** The comment that marks a chain as filled by `o` (no spaces: iptables-save prints it unquoted). */
export function ownerComment(o: RulesOwner): string {
  return `${OWNER_TAG}:${o.director}:${o.pid}:${o.start}`;
}

/** Owners named in iptables-save output, per `table/chain` of ours. */
export function chainOwners(save: string): Map<string, RulesOwner> {
  const out = new Map<string, RulesOwner>();
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = /^-A (\S+) .*--comment "?lvslab-owner:([^:\s"]+):(\d+):(\d+)"?/.exec(line);
    if (m) out.set(`${table}/${m[1]}`, { director: m[2], pid: Number(m[3]), start: Number(m[4]) });
  }
  return out;
}

/** The jumps into our chains present in iptables-save output, as `table/BUILTIN/OURS`. */
export function jumpsIn(save: string): Set<string> {
  const out = new Set<string>();
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = /^-A (\S+) -j (LVSLAB_\S+)$/.exec(line.trim());
    if (m) out.add(`${table}/${m[1]}/${m[2]}`);
  }
  return out;
}

/**
 * Offload with DR destinations: where the real servers answer the client directly (one-arm DR, the
 * `dr` preset), conntrack sees a TCP connection's SYN but never the SYN-ACK, so it calls the
 * client's next segments invalid (ACK in SYN_SENT, nf_conntrack_proto_tcp.c) and attaches no entry
 * to them: they carry no ct mark to be routed by. Those cross to us, as per packet, and the core
 * routes them from its connection entry; where the replies do pass the director, none is invalid.
 */
function oneArmDr(s: RuleService): boolean {
  return s.dests.some((d) => d.forwarding === 'route');
}

/**
 * iptables-restore --noflush input that (re)fills our chains. With `withJumps` it also creates the
 * chains' jumps from the built-in chains (first install only). With an owner, each chain starts
 * with the owner's comment.
 */
export function renderIptables(spec: RulesSpec, withJumps: boolean, owner?: RulesOwner, family: RulesFamily = 4): string {
  const q = `-j NFQUEUE --queue-num ${spec.queue} --queue-bypass`;
  const raw = new Set<string>();
  const pre = new Set<string>();
  const post = new Set<string>();
  const perPacket = spec.mode === 'per-packet';
  const host = family === 6 ? '/128' : '/32';
  const icmp = family === 6 ? (t: string) => `-p ipv6-icmp --icmpv6-type ${t}` : (t: string) => `-p icmp --icmp-type ${t}`;
  const icmpErrors = family === 6 ? ICMPV6_ERRORS : ICMP_ERRORS;
  let natted = false;

  for (const s of spec.services) {
    if (serviceFamily(s.key) !== family) continue;
    const proto = protoOf(s.key);
    if (s.key.kind === 'fwmark') {
      // the mark is set by the user's mangle rules, after raw: these flows cannot skip conntrack
      pre.add(`-m mark --mark ${s.key.fwmark}${perPacket ? '' : ' -m connmark --mark 0'} ${q}`);
      if (!perPacket && oneArmDr(s)) pre.add(`-m mark --mark ${s.key.fwmark} -m conntrack --ctstate INVALID ${q}`);
    } else {
      const match = `-d ${s.key.addr}${host} -p ${proto} --dport ${s.key.port}`;
      if (perPacket) {
        raw.add(`${match} -j CT --notrack`);
        pre.add(`${match} ${q}`);
        for (const t of icmpErrors) pre.add(`-d ${s.key.addr}${host} ${icmp(t)} ${q}`);
      } else {
        // offload: only packets of connections without a decision yet (ct mark 0) cross to us
        pre.add(`${match} -m connmark --mark 0 ${q}`);
        if (oneArmDr(s)) pre.add(`${match} -m conntrack --ctstate INVALID ${q}`);
      }
    }
    if (!perPacket) continue;
    for (const d of s.dests) {
      if (d.forwarding !== 'masq') continue; // DR/TUN replies never come back through us
      const protos = proto ? [proto] : ['tcp', 'udp'];
      natted = true;
      for (const p of protos) {
        const sport = d.port && proto ? ` --sport ${d.port}` : '';
        if (proto) raw.add(`-s ${d.addr}${host} -p ${p}${sport} -j CT --notrack`);
        post.add(`-s ${d.addr}${host} -p ${p}${sport} ${q}`);
      }
      for (const t of icmpErrors) post.add(`-s ${d.addr}${host} ${icmp(t)} ${q}`);
    }
  }
  // The director's own stack answers a NATed IPv6 packet it cannot forward (too big for the
  // internal link, hop limit, no route) from its own address, quoting client -> RIP: queued too,
  // so the quote is put back to client -> VIP as ip_vs_nat_xmit_v6 would have sent it.
  if (family === 6 && natted) for (const t of ICMPV6_ERRORS) post.add(`${icmp(t)} ${q}`);

  const out: string[] = [];
  const table = (name: string, chains: Array<[string, Set<string>]>) => {
    out.push(`*${name}`);
    for (const [chain] of chains) out.push(`:${chain} - [0:0]`);
    for (const [chain, rules] of chains) {
      out.push(`-F ${chain}`);
      if (owner) out.push(`-A ${chain} -m comment --comment ${ownerComment(owner)}`);
      for (const r of rules) out.push(`-A ${chain} ${r}`);
    }
    if (withJumps) for (const [t, builtin, ours] of JUMPS) if (t === name) out.push(`-I ${builtin} 1 -j ${ours}`);
    out.push('COMMIT');
  };
  table('raw', [[CHAIN_PRE, raw]]);
  table('mangle', [[CHAIN_PRE, pre], [CHAIN_POST, post]]);
  table('filter', [[CHAIN_IN, new Set([`-m mark --mark ${spec.rejectMark} -j REJECT --reject-with ${family === 6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable'}`])]]);
  return out.join('\n') + '\n';
}

/** nft's names for a family: the table family, the address match, the DNAT statement. */
const NFT_FAMILY = { 4: { table: 'ip', daddr: 'ip daddr', dnat: 'dnat ip' }, 6: { table: 'ip6', daddr: 'ip6 daddr', dnat: 'dnat ip6' } } as const;

/** Whether the offload's nft table of this family has anything to do: IPv4 always, IPv6 with IPv6 services. */
export function nftFamilies(spec: RulesSpec): RulesFamily[] {
  return spec.services.some((s) => serviceFamily(s.key) === 6) ? [4, 6] : [4];
}

/**
 * nft script for offload mode: remember the verdict mark in the conntrack entry so later packets of
 * the flow are routed (DR) or DNATed (NAT) by the kernel without crossing to us. One table per
 * family (`ip lvslab`, and `ip6 lvslab` where IPv6 services are): each first removed, so the script
 * replaces what an earlier one installed; outside offload mode it only removes them.
 */
export function renderNft(spec: RulesSpec, families: readonly RulesFamily[] = nftFamilies(spec)): string {
  const lines: string[] = [];
  for (const f of families) lines.push(`table ${NFT_FAMILY[f].table} ${NFT_TABLE} {}`, `delete table ${NFT_FAMILY[f].table} ${NFT_TABLE}`);
  const active = nftFamilies(spec);
  if (spec.mode === 'offload') for (const f of families) if (active.includes(f)) lines.push(...nftTable(spec, f));
  return lines.join('\n') + '\n';
}

function nftTable(spec: RulesSpec, family: RulesFamily): string[] {
  const nf = NFT_FAMILY[family];
  const ours = [spec.rejectMark, ...spec.destMarks.values()];
  const markSet = `{ ${ours.map((m) => `0x${m.toString(16)}`).join(', ')} }`;
  // One DNAT rule per service: nft maps to a port only after a transport protocol match, and the
  // match keeps a mark from DNATing traffic of another service.
  const natRules: string[] = [];
  for (const s of spec.services) {
    if (serviceFamily(s.key) !== family) continue;
    const withPort: string[] = [];
    const addrOnly: string[] = [];
    for (const d of s.dests) {
      const m = spec.destMarks.get(destKey(d.addr, d.port));
      if (d.forwarding !== 'masq' || m === undefined) continue;
      // a fwmark service's dest port 0 means "the port the client used": DNAT the address only
      if (d.port) withPort.push(`0x${m.toString(16)} : ${d.addr} . ${d.port}`);
      else addrOnly.push(`0x${m.toString(16)} : ${d.addr}`);
    }
    const protos = s.key.kind === 'fwmark' ? ['tcp', 'udp'] : [s.key.kind];
    for (const proto of protos) {
      const match = s.key.kind === 'fwmark' ? `meta l4proto ${proto}` : `${nf.daddr} ${s.key.addr} ${proto} dport ${s.key.port}`;
      if (withPort.length) natRules.push(`${match} ${nf.dnat} to meta mark map { ${[...new Set(withPort)].join(', ')} }`);
      if (addrOnly.length && proto === protos[0]) natRules.push(`${s.key.kind === 'fwmark' ? '' : `${nf.daddr} ${s.key.addr} `}${nf.dnat} to meta mark map { ${[...new Set(addrOnly)].join(', ')} }`.trim());
    }
  }
  return [
    `table ${nf.table} ${NFT_TABLE} {`,
    '  chain keep_mark {',
    '    type filter hook prerouting priority -140; policy accept;',
    // original direction only: a DR reply that comes back through the director (as the real servers'
    // gateway) matches the entry's reply tuple and must not be routed to the real server again
    `    ct direction original ct mark 0 meta mark ${markSet} ct mark set meta mark`,
    `    ct direction original ct mark ${markSet} meta mark set ct mark`,
    '  }',
    '  chain dnat_by_mark {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...natRules.map((r) => `    ${r}`),
    '  }',
    '}',
  ];
}

/**
 * The DR (and offload DR) routing: one table per routed destination, selected by its mark. TUN
 * destinations need none: their packets leave re-addressed to the real server (tunnel.ts).
 */
export function routedDests(spec: RulesSpec): Map<number, string> {
  const m = new Map<number, string>();
  for (const s of spec.services)
    for (const d of s.dests) {
      const mark = spec.destMarks.get(destKey(d.addr, d.port));
      if (mark !== undefined && d.forwarding === 'route') m.set(mark, d.addr);
    }
  return m;
}

const PREF_MARK = 10;
const PREF_LOCAL_MOVED = 100;

/**
 * Installs, updates and removes the rules in the current network namespace (the daemon runs inside
 * its director's namespace). Updates are whole-chain refills, so they are idempotent.
 */
export class RulesManager {
  private installed = false;
  /** the ip6tables side, installed once an IPv6 service appears (and kept until remove) */
  private installed6 = false;
  private routes = new Map<number, string>();
  private localMoved = false;
  private localMoved6 = false;
  /** the families whose offload nft table we installed (empty: none) */
  private nftUsed: RulesFamily[] = [];
  private last: RulesSpec | undefined;

  constructor(
    private readonly run: Runner = defaultRunner,
    private readonly owner?: RulesOwner,
  ) {}

  async apply(spec: RulesSpec): Promise<void> {
    if (!this.installed) await this.removeLeftovers(4);
    const r = await this.run('iptables-restore', ['-w', '5', '--noflush'], renderIptables(spec, !this.installed, this.owner));
    if (r.exitCode !== 0) throw new Error(`iptables-restore failed: ${r.stderr.trim()}`);
    this.installed = true;
    this.last = spec;
    if (this.installed6 || spec.services.some((s) => serviceFamily(s.key) === 6)) {
      if (!this.installed6) await this.removeLeftovers(6);
      const r6 = await this.run('ip6tables-restore', ['-w', '5', '--noflush'], renderIptables(spec, !this.installed6, this.owner, 6));
      if (r6.exitCode !== 0) throw new Error(`ip6tables-restore failed: ${r6.stderr.trim()}`);
      this.installed6 = true;
    }
    if (spec.mode === 'offload' || this.nftUsed.length) {
      // the families in use now, and any used before (their tables are removed when they go)
      const families = [...new Set([...nftFamilies(spec), ...this.nftUsed])].sort();
      const n = await this.run('nft', ['-f', '-'], renderNft(spec, families));
      if (n.exitCode !== 0) throw new Error(`nft failed: ${n.stderr.trim()}`);
      this.nftUsed = spec.mode === 'offload' ? nftFamilies(spec) : [];
    }
    await this.applyRoutes(routedDests(spec));
  }

  /**
   * Remove everything we installed; never throws (used on shutdown). Returns problems seen. Chains
   * another (live) daemon owns are left alone: only the owner removes its rules.
   */
  async remove(): Promise<string[]> {
    const problems: string[] = [];
    const families: RulesFamily[] = this.installed6 ? [4, 6] : [4];
    const foreign = new Map<string, RulesOwner>();
    if (this.owner) {
      for (const f of families) {
        const save = await this.run(tool(f, '-save'), []);
        for (const [key, o] of chainOwners(save.stdout)) if (!this.isUs(o)) foreign.set(`${f}/${key}`, o);
      }
      for (const [key, o] of foreign) problems.push(`${key.slice(2)}${key.startsWith('6') ? ' (IPv6)' : ''} belongs to another director daemon (pid ${o.pid}): left alone`);
    }
    const ownsAll = foreign.size === 0;
    if (ownsAll) await this.applyRoutes(new Map()).catch((e: Error) => problems.push(e.message));
    if (ownsAll) for (const f of this.nftUsed) await this.run('nft', ['delete', 'table', NFT_FAMILY[f].table, NFT_TABLE]);
    this.nftUsed = [];
    for (const f of families) {
      const installed = f === 6 ? this.installed6 : this.installed;
      for (const [t, builtin, ours] of JUMPS) {
        if (foreign.has(`${f}/${t}/${ours}`)) continue;
        const r = await this.run(tool(f), ['-w', '5', '-t', t, '-D', builtin, '-j', ours]);
        if (r.exitCode !== 0 && installed) problems.push(`${tool(f)} -t ${t} -D ${builtin} -j ${ours}: ${r.stderr.trim()}`);
      }
      for (const [t, , ours] of JUMPS) {
        if (foreign.has(`${f}/${t}/${ours}`)) continue;
        await this.run(tool(f), ['-w', '5', '-t', t, '-F', ours]);
        await this.run(tool(f), ['-w', '5', '-t', t, '-X', ours]);
      }
    }
    this.installed = false;
    this.installed6 = false;
    return problems;
  }

  /**
   * What is missing of the rules we installed (jumps, chains, our owner mark, the offload nft
   * table): empty while everything is in place. Someone else's `iptables -F`, a flush of the
   * namespace, a second daemon that cleaned up on its way out — all show here.
   */
  async check(): Promise<string[]> {
    if (!this.installed || !this.owner) return [];
    const missing: string[] = [];
    for (const f of this.installed6 ? ([4, 6] as const) : ([4] as const)) {
      const save = await this.run(tool(f, '-save'), []);
      if (save.exitCode !== 0) return [`${tool(f, '-save')} failed: ${save.stderr.trim()}`];
      const jumps = jumpsIn(save.stdout);
      const owners = chainOwners(save.stdout);
      const v6 = f === 6 ? ' (IPv6)' : '';
      for (const [t, builtin, ours] of JUMPS) {
        if (!jumps.has(`${t}/${builtin}/${ours}`)) missing.push(`${t} ${builtin} -j ${ours}${v6}`);
      }
      for (const [t, , ours] of new Map(JUMPS.map((j) => [`${j[0]}/${j[2]}`, j])).values()) {
        const o = owners.get(`${t}/${ours}`);
        if (!o) missing.push(`${t} ${ours} (chain or its owner mark)${v6}`);
        else if (!this.isUs(o)) missing.push(`${t} ${ours} (now marked as pid ${o.pid}'s)${v6}`);
      }
    }
    for (const f of this.nftUsed) {
      if ((await this.run('nft', ['list', 'table', NFT_FAMILY[f].table, NFT_TABLE])).exitCode !== 0) missing.push(`nft table ${NFT_FAMILY[f].table} ${NFT_TABLE}`);
    }
    return missing;
  }

  /** Install the last applied rules again from scratch (after check() found some gone). */
  async reinstall(): Promise<void> {
    if (!this.last) return;
    this.installed = false;
    this.installed6 = false;
    this.routes.clear();
    await this.apply(this.last);
  }

  private isUs(o: RulesOwner): boolean {
    return !!this.owner && o.director === this.owner.director && o.pid === this.owner.pid && o.start === this.owner.start;
  }

  /**
   * A daemon killed with SIGKILL leaves its rules behind: clear them before installing ours. Rules
   * whose owner still runs are another daemon's: refuse rather than take its director down.
   */
  private async removeLeftovers(family: RulesFamily): Promise<void> {
    if (this.owner) {
      const save = await this.run(tool(family, '-save'), []);
      for (const o of chainOwners(save.stdout).values()) {
        if (this.isUs(o)) continue;
        if (await isAlive({ pid: o.pid, start: o.start })) {
          throw new Error(`the LVSLAB rules in this namespace belong to a running director daemon (${o.director}, pid ${o.pid}): not touching them`);
        }
      }
    }
    for (const [t, builtin, ours] of JUMPS) {
      for (let i = 0; i < 8; i++) {
        const r = await this.run(tool(family), ['-w', '5', '-t', t, '-D', builtin, '-j', ours]);
        if (r.exitCode !== 0) break;
      }
    }
    await this.run('nft', ['delete', 'table', NFT_FAMILY[family].table, NFT_TABLE]);
    const fam = family === 6 ? ['-6'] : [];
    const rules = await this.run('ip', [...fam, '-j', 'rule', 'show']);
    if (rules.exitCode === 0) {
      const list = JSON.parse(rules.stdout || '[]') as Array<{ priority: number; table?: string; fwmark?: string }>;
      for (const r of list) {
        if (r.priority === PREF_MARK && r.fwmark) await this.run('ip', [...fam, 'rule', 'del', 'pref', String(PREF_MARK), 'fwmark', r.fwmark]);
      }
      if (list.some((r) => r.priority === PREF_LOCAL_MOVED && r.table === 'local')) {
        this.setLocalMoved(family, true);
        await this.restoreLocalRule(family);
      }
    }
  }

  private async applyRoutes(want: Map<number, string>): Promise<void> {
    for (const [mark, addr] of this.routes) {
      if (want.get(mark) === addr) continue;
      const fam = addr.includes(':') ? ['-6'] : [];
      await this.run('ip', [...fam, 'rule', 'del', 'pref', String(PREF_MARK), 'fwmark', String(mark), 'lookup', String(mark)]);
      await this.run('ip', [...fam, 'route', 'flush', 'table', String(mark)]);
      this.routes.delete(mark);
    }
    for (const [mark, addr] of want) {
      if (this.routes.get(mark) === addr) continue;
      const fam = addr.includes(':') ? ['-6'] : [];
      const dev = await this.deviceFor(addr);
      const r1 = await this.run('ip', [...fam, 'route', 'replace', 'default', 'via', addr, 'dev', dev, 'table', String(mark)]);
      if (r1.exitCode !== 0) throw new Error(`route to real server ${addr} (table ${mark}): ${r1.stderr.trim()}`);
      await this.run('ip', [...fam, 'rule', 'del', 'pref', String(PREF_MARK), 'fwmark', String(mark), 'lookup', String(mark)]);
      const r2 = await this.run('ip', [...fam, 'rule', 'add', 'pref', String(PREF_MARK), 'fwmark', String(mark), 'lookup', String(mark)]);
      if (r2.exitCode !== 0) throw new Error(`policy rule for mark ${mark}: ${r2.stderr.trim()}`);
      this.routes.set(mark, addr);
    }
    for (const family of [4, 6] as const) {
      const routed = [...this.routes.values()].some((a) => a.includes(':') === (family === 6));
      const moved = family === 6 ? this.localMoved6 : this.localMoved;
      if (routed && !moved) await this.moveLocalRule(family);
      if (!routed && moved) await this.restoreLocalRule(family);
    }
  }

  private setLocalMoved(family: RulesFamily, moved: boolean): void {
    if (family === 6) this.localMoved6 = moved;
    else this.localMoved = moved;
  }

  /**
   * The VIP is a local address of the director, so the `local` table (rule pref 0) would deliver a
   * marked DR packet to ourselves before any fwmark rule is consulted: move it after ours.
   * Redirects are switched off because DR forwards out of the interface a packet may have come in
   * (IPv6 sends redirects only as a router, which a DR director is; the same holds).
   */
  private async moveLocalRule(family: RulesFamily): Promise<void> {
    const fam = family === 6 ? ['-6'] : [];
    const a = await this.run('ip', [...fam, 'rule', 'add', 'pref', String(PREF_LOCAL_MOVED), 'lookup', 'local']);
    if (a.exitCode !== 0) throw new Error(`moving the local rule${family === 6 ? ' (IPv6)' : ''}: ${a.stderr.trim()}`);
    await this.run('ip', [...fam, 'rule', 'del', 'pref', '0', 'lookup', 'local']);
    if (family === 4) await this.run('sysctl', ['-qw', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0']);
    this.setLocalMoved(family, true);
  }

  private async restoreLocalRule(family: RulesFamily): Promise<void> {
    const fam = family === 6 ? ['-6'] : [];
    await this.run('ip', [...fam, 'rule', 'add', 'pref', '0', 'lookup', 'local']);
    await this.run('ip', [...fam, 'rule', 'del', 'pref', String(PREF_LOCAL_MOVED), 'lookup', 'local']);
    this.setLocalMoved(family, false);
  }

  private async deviceFor(addr: string): Promise<string> {
    const r = await this.run('ip', ['-j', 'route', 'get', addr]);
    if (r.exitCode === 0) {
      const j = JSON.parse(r.stdout || '[]') as Array<{ dev?: string; gateway?: string }>;
      if (j[0]?.dev) return j[0].dev;
    }
    throw new Error(`real server ${addr}: no route to it from the director (${r.stderr.trim() || 'no device'})`);
  }
}
