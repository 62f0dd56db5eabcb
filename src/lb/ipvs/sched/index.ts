// The scheduler registry: ipvsadm's -s names to modules (ip_vs_scheduler_get).
import type { SchedEnv, Scheduler, SchedulerFactory, Service } from '../ip_vs.js';
import { DestinationHashing } from './dh.js';
import { WeightedFailover } from './fo.js';
import { LocalityLeastConnection } from './lblc.js';
import { LocalityLeastConnectionReplicated } from './lblcr.js';
import { LeastConnection } from './lc.js';
import { MaglevHashing } from './mh.js';
import { NeverQueue } from './nq.js';
import { Overflow } from './ovf.js';
import { RoundRobin } from './rr.js';
import { ShortestExpectedDelay } from './sed.js';
import { SourceHashing } from './sh.js';
import { TwoChoices } from './twos.js';
import { WeightedLeastConnection } from './wlc.js';
import { WeightedRoundRobin } from './wrr.js';

export const SCHEDULERS: Record<string, SchedulerFactory> = {
  rr: () => new RoundRobin(),
  wrr: (svc) => new WeightedRoundRobin(svc),
  lc: () => new LeastConnection(),
  wlc: () => new WeightedLeastConnection(),
  lblc: (_svc, env) => new LocalityLeastConnection(env),
  lblcr: (_svc, env) => new LocalityLeastConnectionReplicated(env),
  dh: (svc) => new DestinationHashing(svc),
  sh: (svc) => new SourceHashing(svc),
  sed: () => new ShortestExpectedDelay(),
  nq: () => new NeverQueue(),
  fo: () => new WeightedFailover(),
  ovf: () => new Overflow(),
  mh: (svc) => new MaglevHashing(svc),
  twos: (_svc, env) => new TwoChoices(env),
};

export const SCHEDULER_NAMES = Object.keys(SCHEDULERS);

/** Bind a scheduler to a service (its init_service), or undefined for an unknown name. */
export function createScheduler(name: string, svc: Service, env: SchedEnv): Scheduler | undefined {
  const f = Object.hasOwn(SCHEDULERS, name) ? SCHEDULERS[name] : undefined;
  return f ? f(svc, env) : undefined;
}

export type { Scheduler, SchedEnv } from '../ip_vs.js';
