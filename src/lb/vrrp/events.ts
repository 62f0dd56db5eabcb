// VRRP state changes for other modules in the same process (the IPVS sync daemon starts as master
// or backup with its instance's state, as keepalived does). One emitter per process: the director
// daemon hosts at most one VRRP speaker.
import { EventEmitter } from 'node:events';
import type { Transition } from './instance.js';

export interface VrrpTransitionEvent extends Transition {
  /** wall clock (Date.now()) of the change, for timelines across processes */
  wall: number;
  /** the sync group the instance belongs to, if any */
  group?: string;
}

export interface VrrpEventMap {
  transition: [VrrpTransitionEvent];
}

export const vrrpEvents = new EventEmitter<VrrpEventMap>();
