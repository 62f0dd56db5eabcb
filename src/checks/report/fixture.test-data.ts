// A run report as `lvslab run article` produces it, for the report renderers' tests.
import { preset } from '../../lab/presets.js';
import { validateDescription } from '../../lab/validate.js';
import { REPORT_FORMAT, type RunReport } from './model.js';

export function sampleReport(options: { failing?: boolean } = {}): RunReport {
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
