// The addresses every recorded trace uses: one VIP with a TCP and a UDP port, real servers
// 10.0.0.11-14 (the replay lab gives each its own namespace), clients 192.168.1.20 and up.
export const V = '192.168.1.112';
export const T = `${V}:80`;
export const U = `${V}:9999`;
export const A = '10.0.0.11';
export const B = '10.0.0.12';
export const C = '10.0.0.13';
export const D = '10.0.0.14';
export const client = (n: number): string => `192.168.1.${20 + n}`;
