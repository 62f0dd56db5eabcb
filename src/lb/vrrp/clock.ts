// The VRRP state machine's clock: the time now and one-shot timers, injected so unit tests advance
// it instead of sleeping.
export interface TimerHandle {
  readonly id: number;
}

export interface VrrpClock {
  /** milliseconds, monotonic */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(h: TimerHandle | undefined): void;
}

/** Real time: performance.now() and setTimeout. */
export function realVrrpClock(): VrrpClock {
  const live = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    now: () => performance.now(),
    setTimer(ms, fn) {
      const id = next++;
      live.set(
        id,
        setTimeout(() => {
          live.delete(id);
          fn();
        }, Math.max(0, ms)),
      );
      return { id };
    },
    clearTimer(h) {
      if (!h) return;
      clearTimeout(live.get(h.id));
      live.delete(h.id);
    },
  };
}

/** A clock that moves only when told to: timers fire in time order during advance(). */
export class ManualVrrpClock implements VrrpClock {
  private t = 0;
  private seq = 1;
  private timers: { id: number; at: number; fn: () => void }[] = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.seq++;
    this.timers.push({ id, at: this.t + Math.max(0, ms), fn });
    return { id };
  }

  clearTimer(h: TimerHandle | undefined): void {
    if (h) this.timers = this.timers.filter((x) => x.id !== h.id);
  }

  /** move time forward by ms, firing due timers in order (ties in creation order) */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: (typeof this.timers)[number] | undefined;
      for (const x of this.timers) if (x.at <= end && (!due || x.at < due.at || (x.at === due.at && x.id < due.id))) due = x;
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }

  pending(): number {
    return this.timers.length;
  }
}
