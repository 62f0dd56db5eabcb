// The library API for people writing their own checks: `up()` and its handles, the analysis
// functions and matchers, scenario files and the reports. Gathered into the package root by src/index.ts.
export {
  up,
  LvsLab,
  HostHandle,
  ClientHandle,
  DirectorHandle,
  RealHandle,
  IpvsadmOutput,
  IpvsadmError,
  LabApiError,
  type UpOptions,
  type HttpOptions,
  type UdpOptions,
  type SendFileOptions,
  type ContinuousOptions,
  type FileDelivery,
} from './up.js';
export type { ProbeRun } from './probe-run.js';
export { BackendUnavailableError, openBackend } from './backends.js';
export { FaultError } from './faults.js';
export type { Capture } from './capture.js';
export { loadScenario, parseScenario, ScenarioError, type LoadedScenario } from './scenario/load.js';
export type { Scenario, ScenarioStep, Expectations } from './scenario/schema.js';
export { runScenario, runScenarioFiles, resolveScenarioFiles, shippedScenariosDir, type RunOptions } from './scenario/run.js';

// analysis
export type { ProbeRecord } from '../checks/probe-record.js';
export { answerSequence, countByServer, spread, checkRoundRobin, type RoundRobinVerdict } from '../checks/distribution.js';
export { weightedShareTest, type WeightedShareResult } from '../checks/weights.js';
export { chiSquareSurvival, gammaP, gammaQ } from '../checks/chi-square.js';
export { stickiness, type StickKey, type StickinessResult } from '../checks/stickiness.js';
export { outageWindows, checkFailover, formatTimeline, type OutageWindow, type FailoverVerdict } from '../checks/outage.js';
export { parseIpvsList, parseIpvsConnections, IpvsadmTextError, type IpvsTable, type IpvsServiceRow, type IpvsDestRow, type IpvsConnRow, type Endpoint } from '../checks/ipvsadm-text.js';
export { labMatchers, toBeRoundRobin, toMatchWeights, toStickBy, toHaveConnection, toFailOverWithin, type MatchResult, type ConnectionPattern } from '../checks/matchers.js';

// reports
export { REPORT_FORMAT, runPassed, type RunReport, type ScenarioReport, type StepReport, type CheckVerdict } from '../checks/report/model.js';
export { renderTerminal } from '../checks/report/terminal.js';
export { renderJunit } from '../checks/report/junit.js';
export { renderHtml } from '../checks/report/html.js';
