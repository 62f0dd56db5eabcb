import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { preset } from '../../lab/presets.js';
import { validateDescription } from '../../lab/validate.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { REPORT_FORMAT, runPassed, type RunReport } from './model.js';
import { renderTerminal } from './terminal.js';
import { probe, skipUnless } from '../../../test/capabilities.js';

describe('terminal summary', () => {
  it('shows the answers, the table, a verdict per check and the totals', () => {
    const text = renderTerminal(sampleReport());
    expect(text).toContain('PASS article TCP [embedded, lab article-single, scenarios/article/tcp.yaml]');
    expect(text).toContain('    answers: RS2 RS1 RS2 RS1');
    expect(text).toContain('    | TCP  192.168.1.112:80 rr');
    expect(text).toContain('    PASS answers are RS2 RS1 RS2 RS1');
    expect(text).toContain('SKIP article TCP [kernel]\n  kernel IPVS unavailable');
    expect(text).not.toContain('\u001b[');
  });

  it('calls a run with a skipped scenario INCOMPLETE, naming what was skipped and why', () => {
    const text = renderTerminal(sampleReport());
    expect(text).toContain(
      'lvslab run article: INCOMPLETE — 1/1 scenarios, 2/2 checks passed, 1 skipped in 4.2 s\n' +
        'skipped, so the run is not a pass (--allow-skips accepts skips):\n' +
        '  article TCP [kernel]: kernel IPVS unavailable: no VM kernel cached\n',
    );
    expect(text).not.toContain('PASSED');
  });

  it('with skips allowed, PASSED says the skip was allowed and still lists it', () => {
    const text = renderTerminal({ ...sampleReport(), allowSkips: true });
    expect(text).toContain('lvslab run article: PASSED — 1/1 scenarios, 2/2 checks passed, 1 skipped (allowed) in 4.2 s\nskipped (--allow-skips):\n  article TCP [kernel]: kernel IPVS unavailable');
  });

  it('a run in which nothing ran is never PASSED', () => {
    const r = sampleReport();
    const onlySkips = { ...r, scenarios: r.scenarios.filter((s) => s.skipped !== undefined) };
    expect(renderTerminal(onlySkips)).toContain('lvslab run article: INCOMPLETE — 0/0 scenarios, 0/0 checks passed, 1 skipped');
    expect(renderTerminal({ ...onlySkips, allowSkips: true })).toContain('lvslab run article: NOTHING RAN — 0/0 scenarios, 0/0 checks passed, 1 skipped (allowed)');
  });

  it('summarises a probe timeline as its outages', () => {
    const text = renderTerminal(sampleReport());
    expect(text).toContain('    timeline: 3 probes, 1 lost, 1 outage\n      outage 100 ms: lost at +100 ms, back at +200 ms; 1 lost (timeout ×1); RS1 -> RS2');
  });

  it('shows a failing check with its message', () => {
    const r = sampleReport({ failing: true });
    expect(runPassed(r)).toBe(false);
    const text = renderTerminal(r, { color: true });
    expect(text).toContain('FAIL\u001b[39m answers are RS2 RS1 RS2 RS1');
    expect(text).toContain('expected RS2 RS1 RS2 RS1 <got> RS2 RS2 RS1 RS1');
    expect(text).toContain('FAILED');
  });
});

describe('junit', () => {
  it('has a testcase per check, failures escaped, and skipped scenarios', () => {
    const xml = renderJunit(sampleReport({ failing: true }));
    expect(xml).toContain('<testsuites name="lvslab run article" tests="2" failures="1"');
    expect(xml).toContain('<testsuite name="article TCP [embedded]" tests="2" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('<failure message="expected RS2 RS1 RS2 RS1 &lt;got&gt; RS2 RS2 RS1 RS1">');
    expect(xml).toContain('<skipped message="kernel IPVS unavailable: no VM kernel cached"/>');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
  });
});

describe('html', () => {
  it('is one self-contained page with the topology, a distribution chart, the timeline and the tables', () => {
    const html = renderHtml(sampleReport());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link |src="http/);
    expect(html).toContain('data-chart="topology"');
    expect(html).toContain('data-chart="distribution"');
    expect(html).toContain('data-chart="timeline"');
    expect(html).toContain('holds 192.168.1.112, 10.0.0.105');
    expect(html).toContain('10.0.0.101:80                Masq');
    expect(html).toContain('data-host="rs2"');
  });

  const chromium = probe.chromium();
  it('renders in headless Chromium with its charts drawn', async (ctx) => {
    skipUnless(ctx, chromium.cap);
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-html-'));
    try {
      const page = join(dir, 'report.html');
      await writeFile(page, renderHtml(sampleReport()));
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`];
      const run = promisify(execFile);
      const dom = await run(chromium.path!, [...flags, '--dump-dom', `file://${page}`], { timeout: 60_000, maxBuffer: 16 << 20 });
      // The DOM as Chromium parsed it: the SVG elements are real elements, not text.
      expect(dom.stdout).toMatch(/<svg[^>]*data-chart="topology"/);
      expect(dom.stdout.match(/<rect data-server=/g)?.length).toBe(2);
      expect(dom.stdout).toMatch(/<svg[^>]*data-chart="timeline"/);
      const png = join(dir, 'shot.png');
      await run(chromium.path!, [...flags, `--screenshot=${png}`, '--window-size=1100,1400', `file://${page}`], { timeout: 60_000 });
      const pixels = decodePng(await readFile(png));
      // The distribution bars are painted in the first two palette colours; count their pixels.
      expect(countColor(pixels, [0x2f, 0x6f, 0xdf])).toBeGreaterThan(500);
      expect(countColor(pixels, [0xe0, 0x8a, 0x1e])).toBeGreaterThan(500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Just enough PNG decoding (8-bit RGB/RGBA, non-interlaced) to count pixels of a colour. */
function decodePng(buf: Buffer): { width: number; height: number; channels: number; data: Buffer } {
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('unsupported PNG');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${body[9]}`);
    } else if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? data[y * stride + x - channels] : 0;
      const b = y > 0 ? data[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? data[(y - 1) * stride + x - channels] : 0;
      let p = v;
      if (filter === 1) p = v + a;
      else if (filter === 2) p = v + b;
      else if (filter === 3) p = v + ((a + b) >> 1);
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      data[y * stride + x] = p & 0xff;
    }
  }
  return { width, height, channels, data };
}

function countColor(img: { channels: number; data: Buffer }, rgb: [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += img.channels) {
    if (Math.abs(img.data[i] - rgb[0]) < 6 && Math.abs(img.data[i + 1] - rgb[1]) < 6 && Math.abs(img.data[i + 2] - rgb[2]) < 6) n++;
  }
  return n;
}

/** A run report as `lvslab run article` produces it. */
function sampleReport(options: { failing?: boolean } = {}): RunReport {
  const topology = validateDescription(preset('article-single')!, 'article-single');
  const seq = options.failing ? ['RS2', 'RS2', 'RS1', 'RS1'] : ['RS2', 'RS1', 'RS2', 'RS1'];
  return {
    format: REPORT_FORMAT,
    title: 'lvslab run article',
    startedAt: '2026-11-28T16:00:00.000Z',
    durationMs: 4200,
    scenarios: [
      {
        name: 'article TCP',
        file: 'scenarios/article/tcp.yaml',
        backend: 'embedded',
        lab: { id: 'abc123', preset: 'article-single', topology, addressHolders: { '192.168.1.112': ['ds1'], '10.0.0.105': ['ds1'] } },
        durationMs: 2000,
        steps: [
          {
            name: 'responses',
            kind: 'http',
            summary: 'client: 4 HTTP requests to http://192.168.1.112/',
            durationMs: 40,
            records: seq.map((server, i) => ({ server, ok: true, at: i * 10, ms: 3 })),
            counts: { RS1: 2, RS2: 2 },
            checks: [
              { name: 'answers are RS2 RS1 RS2 RS1', pass: !options.failing, message: options.failing ? 'expected RS2 RS1 RS2 RS1 <got> RS2 RS2 RS1 RS1' : '' },
            ],
          },
          {
            name: 'ipvsadm -Ln',
            kind: 'ipvsadm',
            summary: 'ds1: ipvsadm -Ln',
            durationMs: 5,
            output: 'IP Virtual Server version 1.2.1 (size=4096)\nTCP  192.168.1.112:80 rr\n  -> 10.0.0.101:80                Masq    1      0          2         ',
            checks: [{ name: 'service TCP 192.168.1.112:80 rr', pass: true, message: '' }],
          },
          {
            name: 'failover',
            kind: 'probeContinuously',
            summary: 'client: probe every 100 ms for 1000 ms',
            durationMs: 1000,
            records: [
              { server: 'RS1', ok: true, at: 0, ms: 2 },
              { ok: false, at: 100, ms: 100, error: 'timeout' },
              { server: 'RS2', ok: true, at: 200, ms: 2 },
            ],
            checks: [],
          },
        ],
      },
      { name: 'article TCP', backend: 'kernel', lab: {}, steps: [], durationMs: 0, skipped: 'kernel IPVS unavailable: no VM kernel cached' },
    ],
  };
}
