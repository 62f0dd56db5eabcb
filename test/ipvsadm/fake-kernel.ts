// A minimal stand-in for the kernel's IPVS control plane, for the ipvsadm tests only: it keeps
// services and dests (dests newest first, as the kernel lists them), refuses what the kernel refuses
// with the same errno, and knows nothing of traffic. The real IPVS core lives in src/lb/ipvs.
import type { CtlError, Errno, IpvsOp } from '../../src/lb/ipvs/errno.js';
import type { CtlCommand, IpvsSnapshot, ServiceSnapshot, SyncDaemonOptions } from '../../src/lb/ipvs/types.js';
import { sameService } from '../../src/lb/ipvsadm/format-services.js';
import { kernelServiceDumpOrder } from '../../src/lb/ipvsadm/sort.js';
import type { IpvsadmTarget } from '../../src/lb/ipvsadm/run.js';
import { dest, service, snapshot } from './snapshots.js';

const refuse = (op: IpvsOp, errno: Errno): CtlError => ({ op, errno });

const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);

export class FakeKernel implements IpvsadmTarget {
  /** services oldest first; snapshot() lists them in the kernel's dump order for `salt` */
  readonly state: IpvsSnapshot = snapshot([]);

  /** `salt`: the netns pointer bits that order the kernel's service hash table (see sort.ts) */
  constructor(private readonly salt = 0) {}

  snapshot(): IpvsSnapshot {
    const snap = structuredClone(this.state);
    snap.services = kernelServiceDumpOrder(snap.services, this.salt);
    return snap;
  }

  private find(cmd: { service: ServiceSnapshot['key'] }): ServiceSnapshot | undefined {
    return this.state.services.find((s) => sameService(s.key, cmd.service));
  }

  control(cmd: CtlCommand): CtlError | null {
    const s = this.state;
    switch (cmd.op) {
      case 'add-service':
      case 'edit-service': {
        const found = this.find(cmd);
        if (cmd.op === 'add-service' && found) return refuse('add-service', 'EEXIST');
        if (cmd.op === 'edit-service' && !found) return refuse('edit-service', 'ESRCH');
        if (!SCHEDULERS.has(cmd.options.scheduler ?? '')) return refuse(cmd.op, 'ENOENT');
        const fresh = service(cmd.service, cmd.options, found?.dests ?? []);
        if (found) found.options = fresh.options;
        // an edited service keeps its place in the hash table
        else s.services.push(fresh);
        return null;
      }
      case 'delete-service': {
        const found = this.find(cmd);
        if (!found) return refuse('delete-service', 'ESRCH');
        s.services.splice(s.services.indexOf(found), 1);
        return null;
      }
      case 'clear':
        s.services.length = 0;
        return null;
      case 'add-dest':
      case 'edit-dest':
      case 'delete-dest': {
        const found = this.find(cmd);
        if (!found) return refuse(cmd.op, 'ESRCH');
        const i = found.dests.findIndex((d) => d.addr === cmd.dest.addr && d.port === cmd.dest.port);
        if (cmd.op === 'add-dest') {
          if (i >= 0) return refuse('add-dest', 'EEXIST');
          found.dests.unshift(dest(cmd.dest.addr, cmd.dest.port, cmd.options));
        } else if (i < 0) {
          return refuse(cmd.op, 'ENOENT');
        } else if (cmd.op === 'edit-dest') {
          found.dests[i].options = { ...found.dests[i].options, ...cmd.options };
        } else {
          found.dests.splice(i, 1);
        }
        return null;
      }
      case 'zero':
        if (cmd.service && !this.find({ service: cmd.service })) return refuse('zero', 'ESRCH');
        return null;
      case 'set-timeout':
        // 0 leaves a timeout as it is
        if (cmd.tcp) s.timeouts.tcp = cmd.tcp;
        if (cmd.tcpfin) s.timeouts.tcpfin = cmd.tcpfin;
        if (cmd.udp) s.timeouts.udp = cmd.udp;
        return null;
      case 'start-daemon': {
        if (s.daemons.some((d) => d.state === cmd.options.state)) return refuse('start-daemon', 'EEXIST');
        const d: SyncDaemonOptions = { syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1, ...cmd.options };
        s.daemons.push(d);
        return null;
      }
      case 'stop-daemon': {
        const i = s.daemons.findIndex((d) => d.state === cmd.state);
        if (i < 0) return refuse('stop-daemon', 'ESRCH');
        s.daemons.splice(i, 1);
        return null;
      }
      default:
        throw new Error(`FakeKernel: ${(cmd as { op: string }).op} is not a state change`);
    }
  }
}
