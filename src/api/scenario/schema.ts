// The scenario file format (`lvslab run FILE.yaml`): a lab, a backend (or both), how each director is
// configured (ipvsadm lines or a keepalived.conf), and ordered steps — probes, ipvsadm listings,
// faults, waits — each with its expectations. Validated with zod; every problem names its path.
import { z } from 'zod';

const name = z.string().min(1);
const hostName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a host name (lower case letters, digits, -)');
const positiveInt = z.number().int().min(1);
const ms = z.number().min(0);
const serverList = z.array(z.string().min(1)).min(1);

const addresses = z.union([z.string(), z.array(z.string()).min(1)]);
const probeFrom = {
  /** the host the probes leave from (default: the lab's client) */
  from: hostName.optional(),
  /** source address(es); `extra` uses the host's extra client addresses in turn */
  localAddress: z.union([addresses, z.literal('extra')]).optional(),
};

export const httpStep = z.strictObject({
  ...probeFrom,
  target: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().optional(),
  count: z.number().int().min(1).max(10_000).default(1),
  concurrency: z.number().int().min(1).max(64).optional(),
  keepAlive: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
  /** source port(s), used in turn; a port reused within 60 s is still in TIME_WAIT (EADDRNOTAVAIL) */
  sourcePorts: z.union([z.number().int().min(1).max(65535), z.array(z.number().int().min(1).max(65535)).min(1).max(1024)]).optional(),
});

export const udpStep = z.strictObject({
  ...probeFrom,
  target: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  count: z.number().int().min(1).max(10_000).default(1),
  payload: z.string().optional(),
  /** every datagram from this source port (sticks to one entry); default a fresh port each */
  sourcePort: z.number().int().min(1).max(65535).optional(),
  waitReply: z.boolean().optional(),
  intervalMs: z.number().int().min(0).max(10_000).optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
});

const fileSpec = z.union([
  z.string().min(1), // a path, relative to the scenario file
  z.strictObject({ name: z.string().min(1), bytes: z.number().int().min(1).max(1 << 20) }), // generated, random content
], { error: 'expected a file path or { name, bytes } (1 to 1048576 bytes)' });

export const sendFileStep = z.strictObject({
  ...probeFrom,
  target: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** each sent like `nc -u -w 1 TARGET PORT < FILE`: a fresh source port per file */
  files: z.array(fileSpec).min(1).max(32),
  chunkSize: z.number().int().min(1).max(65_507).optional(),
  waitMs: z.number().int().min(0).max(10_000).optional(),
});

export const faultSpec = z.union([
  z.strictObject({ kill: hostName }),
  z.strictObject({ stop: hostName }),
  // keepalived alone (VRRP, health checks): the director's IPVS keeps forwarding, its VIPs stay
  z.strictObject({ killKeepalived: hostName }),
  z.strictObject({ startKeepalived: hostName }),
  z.strictObject({ linkDown: z.string().regex(/^[a-z][a-z0-9-]*(:[A-Za-z0-9_.-]+)?$/, 'HOST or HOST:INTERFACE') }),
  z.strictObject({ linkUp: z.string().regex(/^[a-z][a-z0-9-]*(:[A-Za-z0-9_.-]+)?$/, 'HOST or HOST:INTERFACE') }),
  z.strictObject({ partition: z.tuple([z.array(hostName).min(1), z.array(hostName).min(1)]) }),
  z.strictObject({ heal: z.literal(true) }),
], { error: 'expected one of { kill: HOST }, { stop: HOST }, { killKeepalived: HOST }, { startKeepalived: HOST }, { linkDown: HOST[:IF] }, { linkUp: HOST[:IF] }, { partition: [[HOSTS], [HOSTS]] }, { heal: true }' });

export const continuousStep = z.strictObject({
  ...probeFrom,
  target: z.string().min(1),
  protocol: z.enum(['http', 'udp']).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().optional(),
  everyMs: z.number().int().min(5).max(60_000),
  forMs: z.number().int().min(1).max(600_000),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
  /** faults injected while the probes run, at these offsets */
  during: z.array(z.strictObject({ atMs: ms, fault: faultSpec })).optional(),
});

export const ipvsadmStep = z.strictObject({
  on: hostName,
  /** `-Ln` or ["-L", "-n"] */
  args: z.union([z.string().min(1), z.array(z.string()).min(1)]),
});

export const execStep = z.strictObject({
  on: hostName,
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
});

const connectionPattern = z.strictObject({
  proto: z.string().optional(),
  state: z.string().optional(),
  client: z.string().optional(),
  virtual: z.string().optional(),
  destination: z.string().optional(),
  /** every matching entry expires in less than this many seconds */
  expiresBelow: z.number().min(0).optional(),
});

const roundRobin = z.union([serverList, z.strictObject({ servers: serverList, exactOrder: z.boolean().optional() })], { error: 'expected a list of servers or { servers, exactOrder }' });

export const expectSchema = z.strictObject({
  // probes
  sequence: serverList.optional(),
  roundRobin: roundRobin.optional(),
  weights: z.record(z.string(), z.number().min(0)).optional(),
  alpha: z.number().gt(0).lt(1).optional(),
  stickBy: z.enum(['client', 'source']).optional(),
  counts: z.record(z.string(), z.number().int().min(0)).optional(),
  maxSpread: z.number().int().min(0).optional(),
  allAnswered: z.boolean().optional(),
  noneAnswered: z.boolean().optional(),
  /** every answer came from a different real server */
  distinctServers: z.boolean().optional(),
  /** exactly these real servers answered (each at least once) */
  answeredBy: serverList.optional(),
  failOverWithin: ms.optional(),
  /** sendFile: every file arrived byte-identical at one real server */
  intact: z.boolean().optional(),
  /** the real servers saw this client address (NAT keeps the client's own address) */
  clientAddressSeen: z.string().optional(),
  // ipvsadm
  status: z.number().int().min(0).optional(),
  contains: z.array(z.string()).optional(),
  services: z
    .array(
      z.strictObject({
        service: z.string().regex(/^(TCP|UDP|SCTP|FWM)\s+\S+$/, "'TCP ADDR:PORT', 'UDP ADDR:PORT' or 'FWM MARK'"),
        scheduler: z.string().optional(),
        dests: z
          .array(z.strictObject({ address: z.string(), forward: z.enum(['Masq', 'Route', 'Tunnel', 'Local']).optional(), weight: z.number().int().min(0).optional() }))
          .optional(),
      }),
    )
    .optional(),
  noServices: z.boolean().optional(),
  connections: z.array(connectionPattern).optional(),
  noConnections: z.array(connectionPattern).optional(),
  // exec
  exitCode: z.number().int().optional(),
});

export const stepSchema = z
  .strictObject({
    name: name.optional(),
    http: httpStep.optional(),
    udp: udpStep.optional(),
    sendFile: sendFileStep.optional(),
    probeContinuously: continuousStep.optional(),
    ipvsadm: ipvsadmStep.optional(),
    fault: faultSpec.optional(),
    exec: execStep.optional(),
    wait: z.number().int().min(0).max(600_000).optional(),
    expect: expectSchema.optional(),
  })
  .superRefine((step, ctx) => {
    const actions = STEP_ACTIONS.filter((k) => step[k] !== undefined);
    if (actions.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: actions.length === 0 ? `a step needs one of ${STEP_ACTIONS.join(', ')}` : `a step does one thing; this one has ${actions.join(' and ')}`,
      });
      return;
    }
    const allowed = EXPECT_FOR[actions[0]];
    for (const key of Object.keys(step.expect ?? {})) {
      if (!allowed.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['expect', key], message: `'${key}' cannot be expected of a ${actions[0]} step (it takes ${allowed.join(', ') || 'no expectations'})` });
      }
    }
  });

export const STEP_ACTIONS = ['http', 'udp', 'sendFile', 'probeContinuously', 'ipvsadm', 'fault', 'exec', 'wait'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

const PROBE_EXPECT = ['sequence', 'roundRobin', 'weights', 'alpha', 'stickBy', 'counts', 'maxSpread', 'allAnswered', 'noneAnswered', 'distinctServers', 'answeredBy', 'clientAddressSeen'];
const EXPECT_FOR: Record<StepAction, string[]> = {
  http: PROBE_EXPECT,
  udp: PROBE_EXPECT,
  sendFile: [...PROBE_EXPECT, 'intact'],
  probeContinuously: ['failOverWithin', 'allAnswered', 'counts', 'answeredBy'],
  ipvsadm: ['status', 'contains', 'services', 'noServices', 'connections', 'noConnections'],
  exec: ['exitCode', 'contains'],
  fault: [],
  wait: [],
};

export const directorSchema = z.strictObject({
  ipvsadm: z.array(z.string().min(1)).optional(),
  /** a keepalived.conf path (relative to the scenario file) */
  keepalived: z.string().min(1).optional(),
  dataplane: z.enum(['per-packet', 'offload']).optional(),
  /** the kernel the embedded IPVS models: 'pinned' (default) or a mainline version such as '6.7' */
  kernel: z.string().min(1).optional(),
});

export const scenarioSchema = z.strictObject({
  name,
  description: z.string().optional(),
  /** a preset name, a lab description file (relative to the scenario), or a description inline */
  lab: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'expected a preset name, a lab description file, or a description' }),
  backend: z.union([z.enum(['embedded', 'kernel', 'both']), z.array(z.enum(['embedded', 'kernel'])).min(1)], { error: 'expected embedded, kernel, both, or a list of embedded and kernel' }).default('embedded'),
  directors: z.record(hostName, directorSchema).default({}),
  /** seconds the real servers keep an idle keep-alive connection (default: the lab's, else 75) */
  keepAliveTimeout: z.number().min(0.1).max(3600).optional(),
  steps: z.array(stepSchema).min(1),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioStep = z.output<typeof stepSchema>;
export type Expectations = z.output<typeof expectSchema>;
export type FaultSpec = z.output<typeof faultSpec>;
export type ConnectionExpectation = z.output<typeof connectionPattern>;
