// A topology compiled into iproute2 batches: the one source of truth for building a lab, printing it
// as a shell script (`lvslab script`) and benchmarking against that script. A few processes per lab:
// one batch creates the namespaces, one (run inside the switch namespace, so no lab interface ever
// exists in the root namespace) creates bridges and veth pairs, then one batch per host plus one
// sysctl call per host that has sysctls, all in parallel.
import { SWITCH_HOST, type Topology, type TopologyHost } from './topology.js';

export const NS_PREFIX = 'lvs-';

export function namespaceName(labId: string, host: string): string {
  return `${NS_PREFIX}${labId}-${host}`;
}

export type PlanStep =
  /** `ip [-n netns] -batch -` fed these lines */
  | { kind: 'ip-batch'; netns?: string; lines: string[] }
  /** `ip netns exec NETNS sysctl -qw k=v ...` */
  | { kind: 'sysctl'; netns: string; settings: string[] };

export interface BuildPlan {
  labId: string;
  /** every namespace of the lab, the switch's first */
  namespaces: string[];
  /** stages run one after another; the steps of a stage run in parallel */
  stages: PlanStep[][];
}

export function planBuild(t: Topology, labId: string): BuildPlan {
  const sw = namespaceName(labId, SWITCH_HOST);
  const hostNs = (h: string) => namespaceName(labId, h);
  const namespaces = [sw, ...t.hosts.map((h) => hostNs(h.name))];

  const create: PlanStep = { kind: 'ip-batch', lines: namespaces.map((n) => `netns add ${n}`) };

  // Bridges without STP or forwarding delay, so ports forward at once; no multicast snooping, so
  // VRRP and sync multicast reach every port without IGMP. `addrgenmode none` keeps IPv6 link-local
  // chatter (RS, DAD, MLD) off the lab's wires and out of captures.
  const switchLines: string[] = [];
  for (const s of t.segments) {
    switchLines.push(`link add ${s.bridge} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`);
    switchLines.push(`link set ${s.bridge} addrgenmode none up`);
  }
  for (const h of t.hosts) {
    for (const i of h.interfaces) {
      const bridge = t.segments.find((s) => s.name === i.segment)!.bridge;
      // Created from inside the switch namespace: the host end is born in the host's namespace.
      switchLines.push(`link add ${i.name} netns ${hostNs(h.name)} type veth peer name ${i.peer}`);
      switchLines.push(`link set ${i.peer} addrgenmode none master ${bridge} up`);
    }
  }
  const wire: PlanStep = { kind: 'ip-batch', netns: sw, lines: switchLines };

  const perHost: PlanStep[] = [];
  t.hosts.forEach((h, index) => {
    perHost.push({ kind: 'ip-batch', netns: hostNs(h.name), lines: hostLines(h, index) });
    const settings = Object.entries(h.sysctls).map(([k, v]) => `${k}=${v}`);
    if (settings.length > 0) perHost.push({ kind: 'sysctl', netns: hostNs(h.name), settings });
  });
  return { labId, namespaces, stages: [[create], [wire], perHost] };
}

/**
 * An IPv6 address goes on `nodad`: usable at once, instead of "tentative" for the second or so
 * duplicate address detection takes (the lab's validation already made every address unique). An
 * interface's later IPv6 addresses (and extra addresses) are what IPv4's secondaries are: there to
 * be bound, never picked as a source. IPv6 source selection has no "primary" (it prefers the newest
 * of equals), so they go on deprecated (`preferred_lft 0`, RFC 6724 rule 3), which keeps the first
 * one the host's source, as the first IPv4 address is.
 */
function addrLine(a: string, dev: string, secondary: boolean, verb: 'add' | 'replace' = 'add'): string {
  if (!a.includes(':')) return `addr ${verb} ${a} dev ${dev}`;
  return `addr ${verb} ${a} dev ${dev} nodad${secondary ? ' preferred_lft 0' : ''}`;
}

/**
 * The link-local address an IPv6 interface gets when its description gives none: `addrgenmode none`
 * makes none, yet neighbour discovery needs one — a router solicits the next hop of a packet it
 * forwards from its link-local address, and sends nothing without one (ndisc_send_ns), so a
 * director could not reach a real server it had not heard from. Unique in the lab by host and
 * interface position (fe80::1ab:H:I).
 */
export function labLinkLocal(hostIndex: number, ifIndex: number): string {
  return `fe80::1ab:${(hostIndex + 1).toString(16)}:${(ifIndex + 1).toString(16)}/64`;
}

function hostLines(h: TopologyHost, hostIndex: number): string[] {
  const lines = ['link set lo up', ...hostAddressLines(h, hostIndex, 'add')];
  for (const i of h.interfaces) lines.push(`link set ${i.name} up`);
  return [...lines, ...hostRouteLines(h, 'add')];
}

/**
 * `ip -batch` lines giving a host the addresses its description names (`hostIndex`: its place in the
 * topology's hosts). With `replace`, the same on a host that may still hold some of them (a reboot
 * brings the lab's addresses back: a link going down takes its IPv6 addresses with it).
 */
export function hostAddressLines(h: TopologyHost, hostIndex: number, verb: 'add' | 'replace'): string[] {
  const lines: string[] = [];
  for (const a of h.loopback) lines.push(addrLine(a, 'lo', false, verb));
  h.interfaces.forEach((i, ifIndex) => {
    if (verb === 'add') lines.push(`link set ${i.name} addrgenmode none`);
    const all = [...i.addresses, ...i.extraAddresses];
    // link-local (fe80::/10) addresses have a scope of their own: never a source for global traffic
    const linkLocal = (a: string) => /^fe[89ab]/i.test(a);
    let firstGlobal6 = true;
    for (const a of all) {
      lines.push(addrLine(a, i.name, a.includes(':') && !linkLocal(a) && !firstGlobal6, verb));
      if (a.includes(':') && !linkLocal(a)) firstGlobal6 = false;
    }
    if (!firstGlobal6 && !all.some(linkLocal)) lines.push(addrLine(labLinkLocal(hostIndex, ifIndex), i.name, false, verb));
  });
  return lines;
}

/** `ip -batch` lines for a host's routes (`replace` where they may be there already). */
export function hostRouteLines(h: TopologyHost, verb: 'add' | 'replace'): string[] {
  return h.routes.map((r) => {
    // "default" takes its family from the gateway; an IPv6 default through a device alone says so
    const to = r.family === 6 && r.to === 'default' ? '::/0' : r.to;
    return [`route ${verb}`, to, r.via ? `via ${r.via}` : '', r.dev ? `dev ${r.dev}` : ''].filter(Boolean).join(' ');
  });
}

/** Deleting the namespaces deletes every veth and bridge in them; the switch goes first. */
export function planTeardown(namespaces: string[]): PlanStep {
  return { kind: 'ip-batch', lines: namespaces.map((n) => `netns del ${n}`) };
}

/** argv and stdin for one step. */
export function stepCommand(step: PlanStep): { file: string; args: string[]; input?: string } {
  if (step.kind === 'ip-batch') {
    return {
      file: 'ip',
      args: [...(step.netns ? ['-n', step.netns] : []), '-batch', '-'],
      input: step.lines.join('\n') + '\n',
    };
  }
  return { file: 'ip', args: ['netns', 'exec', step.netns, 'sysctl', '-qw', ...step.settings] };
}

function stepShell(step: PlanStep, background = false): string {
  const bg = background ? ' &' : '';
  if (step.kind === 'sysctl') return `ip netns exec ${step.netns} sysctl -qw ${step.settings.join(' ')}${bg}`;
  const head = `ip ${step.netns ? `-n ${step.netns} ` : ''}-batch - <<'EOF'${bg}`;
  return [head, ...step.lines, 'EOF'].join('\n');
}

/** The plan as a POSIX shell script with `up` and `down` (what `lvslab script` prints). */
export function renderScript(plan: BuildPlan, title: string): string {
  const out: string[] = [
    '#!/bin/sh',
    `# ${title}: lab ${plan.labId}, built with the same iproute2 batches lvslab runs.`,
    `# usage: sh THIS up|down   (as root; everything lives in namespaces ${NS_PREFIX}${plan.labId}-*)`,
    'set -e',
    'up() {',
  ];
  for (const stage of plan.stages) {
    if (stage.length === 1) out.push(stepShell(stage[0]));
    else {
      // Parallel steps: each in the background, then wait for all and fail if any failed.
      out.push('pids=""');
      for (const s of stage) out.push(stepShell(s, true), 'pids="$pids $!"');
      out.push('for p in $pids; do wait "$p"; done');
    }
  }
  out.push('}', 'down() {', stepShell(planTeardown(plan.namespaces)), '}');
  out.push('case "$1" in', '  up) up ;;', '  down) down ;;', '  *) echo "usage: $0 up|down" >&2; exit 2 ;;', 'esac');
  return out.join('\n') + '\n';
}
