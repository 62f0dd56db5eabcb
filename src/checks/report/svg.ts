// The pictures of the HTML report, as inline SVG strings (no script, no external file): the lab's
// topology, a distribution bar chart and a probe timeline. Each root <svg> carries a data-chart
// attribute so tests (and readers of the DOM) can find them.
import type { Topology, TopologyHost } from '../../lab/topology.js';
import type { ProbeRecord } from '../probe-record.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const PALETTE = ['#2f6fdf', '#e08a1e', '#2e9e5b', '#9a4fd0', '#c9406a', '#1aa3a3', '#7a7a22', '#5c6b7a'];

/** A stable colour per server name, shared by the charts of one page. */
export function serverColor(server: string, all: readonly string[]): string {
  const i = all.indexOf(server);
  return PALETTE[(i >= 0 ? i : all.length) % PALETTE.length];
}

const ROLE_ROW: Record<string, number> = { client: 0, router: 1, director: 2, real: 3 };
const BOX_W = 160;
const BOX_H = 48;
const COL = 190;
const ROW = 150;

/**
 * Hosts in rows by role (client, router, director, real), each segment a horizontal bus between the
 * first two rows it joins, every interface a line from its host to its bus labelled with its
 * addresses. `holders` maps a virtual address (VIP, DIP) to the host holding it, which is outlined.
 */
export function topologySvg(t: Topology, holders: Record<string, readonly string[]> = {}): string {
  const rows = [...new Set(t.hosts.map((h) => ROLE_ROW[h.role]))].sort((a, b) => a - b);
  const rowOf = (h: TopologyHost) => rows.indexOf(ROLE_ROW[h.role]);
  const perRow = rows.map((_, r) => t.hosts.filter((h) => rowOf(h) === r));
  const widest = Math.max(...perRow.map((r) => r.length), 1);
  const width = Math.max(widest * COL + 80, 520);
  const pos = new Map<string, { x: number; y: number }>();
  perRow.forEach((hosts, r) => {
    const start = width / 2 - ((hosts.length - 1) * COL) / 2;
    hosts.forEach((h, i) => pos.set(h.name, { x: start + i * COL, y: 40 + r * ROW + BOX_H / 2 }));
  });
  const height = 40 + (rows.length - 1) * ROW + BOX_H + 24;
  // A bus lies just below the topmost row it joins; segments on the same gap are stacked.
  const busY = new Map<string, number>();
  const perGap = new Map<number, number>();
  for (const s of t.segments) {
    const joined = t.hosts.filter((h) => h.interfaces.some((i) => i.segment === s.name)).map(rowOf);
    const top = joined.length ? Math.min(...joined) : 0;
    const k = perGap.get(top) ?? 0;
    perGap.set(top, k + 1);
    busY.set(s.name, 40 + top * ROW + BOX_H + 40 + k * 22);
  }
  const holderOf = new Map<string, string[]>();
  for (const [addr, hosts] of Object.entries(holders)) for (const host of hosts) holderOf.set(host, [...(holderOf.get(host) ?? []), addr]);

  const parts: string[] = [];
  for (const s of t.segments) {
    const y = busY.get(s.name)!;
    parts.push(`<line x1="20" y1="${y}" x2="${width - 20}" y2="${y}" stroke="#555" stroke-width="3"/>`);
    parts.push(`<text x="24" y="${y - 6}" font-size="12" fill="#333">${esc(s.name)} ${esc(s.subnet)}</text>`);
  }
  for (const h of t.hosts) {
    const p = pos.get(h.name)!;
    h.interfaces.forEach((i, k) => {
      const y = busY.get(i.segment)!;
      const x = p.x + (k - (h.interfaces.length - 1) / 2) * 40;
      const fromY = y > p.y ? p.y + BOX_H / 2 : p.y - BOX_H / 2;
      parts.push(`<line x1="${x}" y1="${fromY}" x2="${x}" y2="${y}" stroke="#888" stroke-width="1.5"/>`);
      const addrs = [...i.addresses, ...i.extraAddresses.slice(0, 1)].map((a) => a.split('/')[0]);
      const more = i.extraAddresses.length > 1 ? ` +${i.extraAddresses.length - 1}` : '';
      const ly = (fromY + y) / 2;
      parts.push(`<text x="${x + 4}" y="${ly}" font-size="10" fill="#444">${esc(i.name)} ${esc(addrs.join(', '))}${more}</text>`);
    });
    const held = holderOf.get(h.name) ?? [];
    const stroke = held.length ? '#d4202a' : '#333';
    parts.push(
      `<g data-host="${esc(h.name)}"><rect x="${p.x - BOX_W / 2}" y="${p.y - BOX_H / 2}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="#f4f6fa" stroke="${stroke}" stroke-width="${held.length ? 3 : 1.2}"/>` +
        `<text x="${p.x}" y="${p.y - (held.length ? 7 : 3)}" font-size="14" text-anchor="middle" font-weight="bold">${esc(h.name)}</text>` +
        `<text x="${p.x}" y="${p.y + (held.length ? 8 : 13)}" font-size="10" text-anchor="middle" fill="#555">${esc(h.role)}${h.role === 'real' ? ` (${esc(h.identity)})` : ''}</text>` +
        (held.length ? `<text x="${p.x}" y="${p.y + 20}" font-size="9" text-anchor="middle" fill="#d4202a">holds ${esc(held.join(', '))}</text>` : '') +
        '</g>',
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="lab topology">${parts.join('')}</svg>`;
}

/** Bars of answers per server, with each server's expected share marked when weights are known. */
export function distributionSvg(counts: Record<string, number>, servers: readonly string[], weights?: Record<string, number>): string {
  const names = Object.keys(counts);
  const total = names.reduce((s, n) => s + counts[n], 0);
  const max = Math.max(1, ...names.map((n) => counts[n]));
  const weightSum = weights ? Object.values(weights).reduce((s, w) => s + w, 0) : 0;
  const barW = 56;
  const gap = 28;
  const chartH = 110;
  const width = 60 + names.length * (barW + gap);
  const height = chartH + 60;
  const parts: string[] = [`<line x1="40" y1="${chartH + 20}" x2="${width - 10}" y2="${chartH + 20}" stroke="#333"/>`];
  names.forEach((n, i) => {
    const x = 50 + i * (barW + gap);
    const h = (counts[n] / max) * chartH;
    const y = chartH + 20 - h;
    parts.push(`<rect data-server="${esc(n)}" x="${x}" y="${y}" width="${barW}" height="${h}" fill="${serverColor(n, servers)}"/>`);
    parts.push(`<text x="${x + barW / 2}" y="${y - 4}" font-size="12" text-anchor="middle">${counts[n]}</text>`);
    parts.push(`<text x="${x + barW / 2}" y="${chartH + 36}" font-size="12" text-anchor="middle">${esc(n)}</text>`);
    if (weights && weightSum > 0 && total > 0) {
      const ey = chartH + 20 - ((total * (weights[n] ?? 0)) / weightSum / max) * chartH;
      parts.push(`<line x1="${x - 4}" y1="${ey}" x2="${x + barW + 4}" y2="${ey}" stroke="#000" stroke-dasharray="4 3"/>`);
    }
  });
  const note = weights ? ' (dashed: expected by weight)' : '';
  parts.push(`<text x="40" y="${height - 4}" font-size="11" fill="#555">${total} answers${esc(note)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="distribution" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="answers per real server">${parts.join('')}</svg>`;
}

/** One tick per probe along time: coloured by the server that answered, red crosses for lost ones. */
export function timelineSvg(records: readonly ProbeRecord[], servers: readonly string[]): string {
  const sorted = [...records].sort((a, b) => a.at - b.at);
  const width = 760;
  const height = 90;
  if (sorted.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="timeline" width="${width}" height="30"><text x="10" y="20" font-size="12">no probes</text></svg>`;
  }
  const t0 = sorted[0].at;
  const span = Math.max(1, sorted[sorted.length - 1].at - t0);
  const x = (t: number) => 20 + ((t - t0) / span) * (width - 40);
  const parts: string[] = [`<line x1="20" y1="50" x2="${width - 20}" y2="50" stroke="#bbb"/>`];
  for (const r of sorted) {
    const px = x(r.at).toFixed(1);
    parts.push(
      r.ok
        ? `<rect x="${px}" y="30" width="3" height="20" fill="${serverColor(r.server ?? '?', servers)}"><title>${esc(`${Math.round(r.at - t0)} ms ${r.server ?? ''}`)}</title></rect>`
        : `<rect x="${px}" y="50" width="3" height="20" fill="#d4202a"><title>${esc(`${Math.round(r.at - t0)} ms lost: ${r.error ?? ''}`)}</title></rect>`,
    );
  }
  parts.push(`<text x="20" y="86" font-size="11">0 ms</text><text x="${width - 20}" y="86" font-size="11" text-anchor="end">${Math.round(span)} ms</text>`);
  const legend = [...servers, 'lost']
    .map((s, i) => `<rect x="${20 + i * 90}" y="6" width="10" height="10" fill="${s === 'lost' ? '#d4202a' : serverColor(s, servers)}"/><text x="${34 + i * 90}" y="15" font-size="11">${esc(s)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="probe timeline">${legend}${parts.join('')}</svg>`;
}
