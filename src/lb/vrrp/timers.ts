// VRRP timers exactly as keepalived computes them (vrrp.h VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER), in
// microseconds with keepalived's integer arithmetic, so the takeover moment matches to the microsecond.
//   v2: skew = (256 - prio) * 1 s / 256
//   v3: skew = ((256 - prio) * (master_adver_int / 10 ms)) * 625 / 16   (= (256-prio)/256 of the interval)
//   master down = down_timer_adverts (3 per the RFCs) * master_adver_int + skew

export const US_PER_S = 1_000_000;
const US_PER_CS = 10_000;

export function skewUs(version: 2 | 3, priority: number, masterAdverUs: number): number {
  if (version === 3) return Math.floor(((256 - priority) * Math.floor(masterAdverUs / US_PER_CS) * 625) / 16);
  return Math.floor(((256 - priority) * US_PER_S) / 256);
}

export function masterDownUs(version: 2 | 3, priority: number, masterAdverUs: number, downTimerAdverts = 3): number {
  return downTimerAdverts * masterAdverUs + skewUs(version, priority, masterAdverUs);
}

/** advert_int seconds -> µs; v3 goes through whole centiseconds as on the wire */
export function advertIntUs(version: 2 | 3, seconds: number): number {
  return version === 3 ? Math.round(seconds * 100) * US_PER_CS : Math.round(seconds) * US_PER_S;
}

/** the wire value: v2 whole seconds, v3 centiseconds */
export function wireAdvertInt(version: 2 | 3, seconds: number): number {
  return version === 3 ? Math.round(seconds * 100) : Math.round(seconds);
}

export function wireToUs(version: 2 | 3, wire: number): number {
  return version === 3 ? wire * US_PER_CS : wire * US_PER_S;
}
