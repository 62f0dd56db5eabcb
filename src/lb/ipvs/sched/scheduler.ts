// What a scheduler module provides (struct ip_vs_scheduler): per-service state created at bind time,
// hooks called when the dest list changes, and schedule(). Dests are in `svc.dests`, newest first —
// the kernel's list order, which decides every tie.
import type { Dest } from '../dest.js';
import type { Service } from '../service.js';
import type { PacketHeaders } from '../types.js';

export interface SchedEnv {
  /** ms, the core's clock */
  now(): number;
  /** uniform in [0, 1): the kernel's get_random_u32_below() source for twos */
  random(): number;
  /** sysctl net.ipv4.vs.lblc_expiration / lblcr_expiration, seconds */
  lblcExpiration(): number;
  lblcrExpiration(): number;
}

export interface Scheduler {
  readonly name: string;
  /** Pick a dest for a new connection (or persistence template), or null: "no destination available". */
  schedule(svc: Service, h: PacketHeaders): Dest | null;
  /** after `dest` was put at the head of svc.dests */
  addDest?(svc: Service, dest: Dest): void;
  /** after `dest` was removed from svc.dests, where it sat at `index` */
  delDest?(svc: Service, dest: Dest, index: number): void;
  /** after an existing dest's weight/thresholds/forwarding changed */
  updDest?(svc: Service, dest: Dest): void;
  /** periodic work (lblc/lblcr table expiry), driven by the core's clock */
  advance?(svc: Service, now: number): void;
  /** unbound from its service (scheduler changed, service deleted): drop what it holds */
  done?(svc: Service): void;
  /** when advance() next has work (ms), if the scheduler has timers */
  nextTimer?(): number;
}

export type SchedulerFactory = (svc: Service, env: SchedEnv) => Scheduler;
