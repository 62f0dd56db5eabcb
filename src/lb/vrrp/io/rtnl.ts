// rtnetlink in-process (the `netlink` package): VIPs added and removed as keepalived does (no
// `ip` process per change, which would add ~15 ms to every takeover), the interface's primary
// address, and link-state events for track_interface.
import { createRequire } from 'node:module';
import { ipToBytes, bytesToIp } from '../packet.js';
import { AF_INET, ifIndex } from './libc.js';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
type RtSocket = any;

const NLM_F_CREATE = 0x400;
const NLM_F_EXCL = 0x200;
const NLM_F_REPLACE = 0x100;

export interface VipSpec {
  address: string;
  prefixLength: number;
  dev: string;
  label?: string;
  brd?: string;
}

export class Rtnl {
  private readonly sock: RtSocket;
  private monitor?: RtSocket;

  constructor() {
    const { createRtNetlink } = require('netlink');
    this.sock = createRtNetlink();
  }

  async addVip(v: VipSpec): Promise<void> {
    const attrs: Record<string, unknown> = { local: ipToBytes(v.address), address: ipToBytes(v.address) };
    if (v.label) attrs.label = v.label;
    if (v.brd) attrs.broadcast = ipToBytes(v.brd);
    try {
      await this.sock.newAddress({ family: AF_INET, prefixlen: v.prefixLength, index: ifIndex(v.dev) }, attrs, { flags: NLM_F_CREATE | NLM_F_REPLACE });
    } catch (e) {
      throw new Error(`adding VIP ${v.address}/${v.prefixLength} on ${v.dev}: ${(e as Error).message}`);
    }
  }

  async removeVip(v: VipSpec): Promise<void> {
    try {
      await this.sock.delAddress({ family: AF_INET, prefixlen: v.prefixLength, index: ifIndex(v.dev) }, { local: ipToBytes(v.address), address: ipToBytes(v.address) });
    } catch (e) {
      // already gone (EADDRNOTAVAIL) is what we wanted
      if (!/EADDRNOTAVAIL|Cannot assign|-99/.test(String((e as Error).message))) {
        throw new Error(`removing VIP ${v.address}/${v.prefixLength} on ${v.dev}: ${(e as Error).message}`);
      }
    }
  }

  /** IPv4 addresses on an interface, primary (non-secondary) first */
  async addresses(dev: string): Promise<{ address: string; prefixLength: number; secondary: boolean }[]> {
    const index = ifIndex(dev);
    const msgs = await this.sock.getAddresses();
    return msgs
      .filter((m: any) => m.data.family === AF_INET && m.data.index === index && m.attrs.local)
      .map((m: any) => ({ address: bytesToIp(m.attrs.local), prefixLength: m.data.prefixlen, secondary: Boolean(m.data.flags?.secondary) }))
      .sort((a: { secondary: boolean }, b: { secondary: boolean }) => Number(a.secondary) - Number(b.secondary));
  }

  /** link state of every interface: up means IFF_UP and carrier, as keepalived's link tracking sees it */
  async links(): Promise<Map<string, boolean>> {
    const msgs = await this.sock.getLinks();
    const out = new Map<string, boolean>();
    for (const m of msgs) if (m.attrs.ifname) out.set(m.attrs.ifname, linkUp(m));
    return out;
  }

  /** call `fn` on every link change (RTNLGRP_LINK) */
  watchLinks(fn: (ifname: string, up: boolean) => void): void {
    const { createRtNetlink } = require('netlink');
    this.monitor = createRtNetlink();
    this.monitor.addMembership('LINK');
    this.monitor.on('message', (msgs: any[]) => {
      for (const m of msgs) if (m.kind === 'link' && m.attrs?.ifname) fn(m.attrs.ifname, linkUp(m));
    });
  }

  close(): void {
    try {
      this.monitor?.socket?.close?.();
    } catch {
      /* already closed */
    }
    try {
      this.sock.socket?.close?.();
    } catch {
      /* already closed */
    }
  }
}

function linkUp(m: any): boolean {
  const f = m.data.flags ?? {};
  return Boolean(f.up) && Boolean(f.lowerUp ?? f.running);
}
