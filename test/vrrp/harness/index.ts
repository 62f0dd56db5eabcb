// Failover harness shared by suites/failover and `npm run bench -- failover`: the article lab's two
// directors running the embedded VRRP or keepalived, judged from outside (ip addr, client probes).
export * from './confs.js';
export * from './directors.js';
export * from './probes.js';
export * from './timeline.js';
export * from './advert-watch.js';
export * from './pcap.js';
export * from './wire.js';
export * from './ipv6.js';
