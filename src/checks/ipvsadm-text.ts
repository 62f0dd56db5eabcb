// `ipvsadm -Ln` and `ipvsadm -Lnc` text parsed into typed rows. Checks read the tables a director
// prints — the same text from the kernel's ipvsadm and from the embedded one — so both backends are
// judged the same way. Formats: docs/kernel-behaviour.md section 3 (ipvsadm 1.31 list_all / list_conn).

export interface Endpoint {
  addr: string;
  port: number;
}

export interface IpvsDestRow extends Endpoint {
  /** `addr:port` as printed */
  address: string;
  forward: 'Masq' | 'Route' | 'Tunnel' | 'Local';
  weight: number;
  activeConn: number;
  inactConn: number;
}

export interface IpvsServiceRow {
  proto: 'TCP' | 'UDP' | 'SCTP' | 'FWM';
  /** `addr:port`, or the fwmark number for FWM services, as printed */
  address: string;
  addr?: string;
  port?: number;
  fwmark?: number;
  scheduler: string;
  /** scheduler flags such as sh-fallback, sh-port */
  schedFlags: string[];
  /** persistence timeout in seconds */
  persistent?: number;
  mask?: string;
  pe?: string;
  ops: boolean;
  dests: IpvsDestRow[];
}

export interface IpvsTable {
  /** the connection hash table size from the header, when printed */
  tableSize?: number;
  services: IpvsServiceRow[];
}

export interface IpvsConnRow {
  proto: string;
  /** seconds left, from the mm:ss column */
  expiresIn: number;
  /** the mm:ss text as printed */
  expire: string;
  state: string;
  client: Endpoint;
  virtual: Endpoint;
  destination: Endpoint;
}

/** A line ipvsadm could not have printed: names the line so a wrong command or format is easy to see. */
export class IpvsadmTextError extends Error {
  override name = 'IpvsadmTextError';
}

const FORWARDS = new Set(['Masq', 'Route', 'Tunnel', 'Local']);

function endpoint(text: string, where: string): Endpoint {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):(\d+)$/.exec(text);
  if (!m) throw new IpvsadmTextError(`${where}: '${text}' is not ADDRESS:PORT (was the list numeric, -n?)`);
  return { addr: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Parse `ipvsadm -Ln` (also `-L -n` for one service). */
export function parseIpvsList(text: string): IpvsTable {
  const table: IpvsTable = { services: [] };
  let current: IpvsServiceRow | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    const where = `ipvsadm -Ln line ${i + 1}`;
    if (line === '') return;
    const header = /^IP Virtual Server version \S+ \(size=(\d+)\)$/.exec(line);
    if (header) {
      table.tableSize = Number(header[1]);
      return;
    }
    if (line.startsWith('Prot LocalAddress:Port') || line.startsWith('  -> RemoteAddress:Port')) return;
    if (line.startsWith('  -> ')) {
      if (!current) throw new IpvsadmTextError(`${where}: a real server line before any service: '${line}'`);
      const f = line.slice(5).trim().split(/\s+/);
      if (f.length < 5 || !FORWARDS.has(f[1])) {
        throw new IpvsadmTextError(`${where}: expected '-> ADDR:PORT Forward Weight ActiveConn InActConn', got '${line.trim()}' (use the default -Ln columns, not --stats/--rate)`);
      }
      current.dests.push({
        address: f[0],
        ...endpoint(f[0], where),
        forward: f[1] as IpvsDestRow['forward'],
        weight: Number(f[2]),
        activeConn: Number(f[3]),
        inactConn: Number(f[4]),
      });
      return;
    }
    const f = line.split(/\s+/);
    const proto = f[0];
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP' && proto !== 'FWM') {
      throw new IpvsadmTextError(`${where}: expected a service line (TCP/UDP/SCTP/FWM ...), got '${line}'`);
    }
    if (f.length < 3) throw new IpvsadmTextError(`${where}: service line without a scheduler: '${line}'`);
    current = { proto, address: f[1], scheduler: f[2], schedFlags: [], ops: false, dests: [] };
    if (proto === 'FWM') current.fwmark = Number(f[1]);
    else Object.assign(current, endpoint(f[1], where));
    for (let k = 3; k < f.length; k++) {
      const word = f[k];
      if (word.startsWith('(') && word.endsWith(')')) current.schedFlags = word.slice(1, -1).split(',');
      else if (word === 'persistent') current.persistent = Number(f[++k]);
      else if (word === 'mask') current.mask = f[++k];
      else if (word === 'pe') current.pe = f[++k];
      else if (word === 'ops') current.ops = true;
      else if (word === 'IPv6') continue;
      else throw new IpvsadmTextError(`${where}: unknown service flag '${word}' in '${line}'`);
    }
    table.services.push(current);
  });
  return table;
}

/** Parse `ipvsadm -Lnc`. Row order is hash-table order in the kernel: compare as a set. */
export function parseIpvsConnections(text: string): IpvsConnRow[] {
  const rows: IpvsConnRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const where = `ipvsadm -Lnc line ${i + 1}`;
    if (line === '' || line === 'IPVS connection entries' || line.startsWith('pro expire')) return;
    const f = line.split(/\s+/);
    const expire = /^(\d+):(\d\d)$/.exec(f[1] ?? '');
    if (f.length < 6 || !expire) {
      throw new IpvsadmTextError(`${where}: expected 'pro mm:ss state source virtual destination', got '${line}'`);
    }
    rows.push({
      proto: f[0],
      expire: f[1],
      expiresIn: Number(expire[1]) * 60 + Number(expire[2]),
      state: f[2],
      client: endpoint(f[3], where),
      virtual: endpoint(f[4], where),
      destination: endpoint(f[5], where),
    });
  });
  return rows;
}

/** `addr:port` */
export function formatEndpoint(e: Endpoint): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}
