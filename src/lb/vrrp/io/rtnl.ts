// rtnetlink in-process (the `netlink` package): VIPs added and removed as keepalived does (no
// `ip` process per change, which would add ~15 ms to every takeover), the interface's primary
// address, and link-state events for track_interface.
import { createRequire } from 'node:module';
import { ipToBytes, bytesToIp } from '../packet.js';
import { bytesToIp6, ip6ToBytes } from '../ip6.js';
import { AF_INET, AF_INET6, ifIndex } from './libc.js';

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
    if (v.address.includes(':')) return this.addVip6(v);
    const attrs: Record<string, unknown> = { local: ipToBytes(v.address), address: ipToBytes(v.address) };
    if (v.label) attrs.label = v.label;
    if (v.brd) attrs.broadcast = ipToBytes(v.brd);
    try {
      await this.sock.newAddress({ family: AF_INET, prefixlen: v.prefixLength, index: ifIndex(v.dev) }, attrs, { flags: NLM_F_CREATE | NLM_F_REPLACE });
    } catch (e) {
      throw new Error(`adding VIP ${v.address}/${v.prefixLength} on ${v.dev}: ${(e as Error).message}`);
    }
  }

  /**
   * An IPv6 VIP as keepalived adds one (vrrp_ipaddress.c netlink_ipaddress): IFA_ADDRESS only, and
   * IFA_F_NODAD, so the address is usable at once instead of after duplicate address detection
   * (which would also fail while the old master still holds it).
   */
  private async addVip6(v: VipSpec): Promise<void> {
    try {
      await this.sock.newAddress(
        { family: AF_INET6, prefixlen: v.prefixLength, flags: { nodad: true }, index: ifIndex(v.dev) },
        { address: ip6ToBytes(v.address) },
        { flags: NLM_F_CREATE | NLM_F_REPLACE },
      );
    } catch (e) {
      throw new Error(`adding VIP ${v.address}/${v.prefixLength} on ${v.dev}: ${(e as Error).message}`);
    }
  }

  async removeVip(v: VipSpec): Promise<void> {
    const v6 = v.address.includes(':');
    try {
      if (v6) await this.sock.delAddress({ family: AF_INET6, prefixlen: v.prefixLength, index: ifIndex(v.dev) }, { address: ip6ToBytes(v.address) });
      else await this.sock.delAddress({ family: AF_INET, prefixlen: v.prefixLength, index: ifIndex(v.dev) }, { local: ipToBytes(v.address), address: ipToBytes(v.address) });
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

  /** the interface's IPv6 link-local address (keepalived's ifp->sin6_addr: the VRRPv3 source), if any */
  async linkLocal6(dev: string): Promise<string | undefined> {
    const index = ifIndex(dev);
    const msgs = await this.sock.getAddresses();
    const ll = msgs.find((m: any) => m.data.family === AF_INET6 && m.data.index === index && m.attrs.address && m.attrs.address[0] === 0xfe && (m.attrs.address[1] & 0xc0) === 0x80);
    return ll ? bytesToIp6(Buffer.from(ll.attrs.address)) : undefined;
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
