// vrrp_sync_group: members move together (keepalived's vrrp_sync_master/backup/fault). The article
// needs this: the VIP (VI_1) and the real servers' gateway (VI_GATEWAY) must live on the same director
// or NAT replies go to the wrong one.
import type { SyncGroupLink, Transition, VrrpInstanceMachine, VrrpState } from './instance.js';

export interface GroupNotify {
  (state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'): void;
}

export class VrrpSyncGroup implements SyncGroupLink {
  private readonly members: VrrpInstanceMachine[] = [];
  private propagating = false;
  private notifiedState?: VrrpState;

  constructor(
    readonly name: string,
    private readonly notify: GroupNotify = () => {},
  ) {}

  add(inst: VrrpInstanceMachine): void {
    this.members.push(inst);
    inst.group = this;
  }

  get instances(): readonly VrrpInstanceMachine[] {
    return this.members;
  }

  allowsMaster(): boolean {
    return !this.members.some((m) => m.ownFault);
  }

  canGotoMaster(inst: VrrpInstanceMachine): boolean {
    if (!this.allowsMaster()) return false;
    return this.members.every((m) => m === inst || m.wantMaster || m.state === 'MASTER');
  }

  /** the group's state once all members agree; undefined while they differ */
  get state(): VrrpState | undefined {
    const s = this.members[0]?.state;
    return this.members.every((m) => m.state === s) ? s : undefined;
  }

  transitioned(inst: VrrpInstanceMachine, t: Transition): void {
    if (!this.propagating) {
      this.propagating = true;
      try {
        const why = `sync group ${this.name}: ${inst.name} became ${t.to}`;
        for (const m of this.members) {
          if (m === inst) continue;
          if (t.to === 'MASTER') m.forceMaster(why);
          else if (t.to === 'BACKUP' && t.from === 'MASTER') m.forceBackup(why);
          else if (t.to === 'FAULT') m.forceFault(why);
        }
      } finally {
        this.propagating = false;
      }
    }
    const s = this.state;
    if (!this.propagating && s && s !== 'INIT' && s !== this.notifiedState) {
      this.notifiedState = s;
      this.notify(s as 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP');
    }
  }

  faultChanged(inst: VrrpInstanceMachine): void {
    if (inst.ownFault) {
      // the member enters FAULT itself; transitioned() then pulls the others in
      return;
    }
    if (this.allowsMaster()) {
      for (const m of this.members) m.clearFault(`sync group ${this.name}: ${inst.name} recovered`);
    }
  }
}
