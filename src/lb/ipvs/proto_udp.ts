// UDP (ip_vs_proto_udp.c): one state, "UDP", whose timeout every packet in either direction restarts.
// There is no state change, so a UDP conn stays in its dest's InActConn for its whole life.

export const UDP_S_NORMAL = 0;
export const UDP_STATE_NAMES = ['UDP'] as const;
/** udp_timeouts[]: NORMAL 5 min, LAST 2 s */
export const UDP_DEFAULT_TIMEOUTS = [300, 2];

/** udp_state_transition: the NORMAL timeout (`timeouts`, ms by state) again. */
export function udpStateTransition(cp: { timeout: number }, timeouts: readonly number[]): void {
  cp.timeout = timeouts[UDP_S_NORMAL];
}
