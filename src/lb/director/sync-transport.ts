// UDP multicast sockets for the sync daemons, set up as make_send_sock / make_receive_sock do:
// the master's socket is bound to the interface's primary IPv4, sends to the group with TTL 1 and
// multicast loop off; the backup's socket binds group:port with address reuse and joins the group
// on the interface. Sockets are opened in the calling process's network namespace.
import dgram from 'node:dgram';
import type { SyncTransport } from '../ipvs/sync/io.js';

function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function bind(s: dgram.Socket, opts: dgram.BindOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    s.once('error', onError);
    s.bind(opts, () => {
      s.off('error', onError);
      resolve();
    });
  });
}

export const dgramTransport: SyncTransport = {
  async openSender(cfg, iface, log) {
    const s = dgram.createSocket({ type: 'udp4' });
    try {
      // The kernel binds even without an address (to 0.0.0.0, after logging that one is needed).
      await bind(s, { address: iface.primaryIPv4 ?? '0.0.0.0', port: 0 });
      // Node sets IP_MULTICAST_IF by address; the address names the same device as the ifindex.
      if (iface.primaryIPv4) s.setMulticastInterface(iface.primaryIPv4);
      s.setMulticastTTL(cfg.ttl);
      s.setMulticastLoopback(false);
    } catch (e) {
      await closeSocket(s);
      throw e;
    }
    // send errors are reported per datagram; anything else is logged, never thrown
    s.on('error', (e) => log?.(`master sync socket: ${e.message}`));
    return {
      send: (d) =>
        new Promise<void>((resolve, reject) => {
          s.send(d, cfg.port, cfg.group, (err) => (err ? reject(err) : resolve()));
        }),
      close: () => closeSocket(s),
    };
  },

  async openReceiver(cfg, iface, onDatagram, log) {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    try {
      // Bound to the group address so unicast to the port is not taken for sync traffic.
      await bind(s, { address: cfg.group, port: cfg.port });
      s.addMembership(cfg.group, iface.primaryIPv4);
    } catch (e) {
      await closeSocket(s);
      throw e;
    }
    s.on('message', (msg) => onDatagram(msg));
    s.on('error', (e) => log?.(`receiving message error: ${e.message}`));
    return { close: () => closeSocket(s) };
  },
};
