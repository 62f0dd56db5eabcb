// Agents for labs kept by `lvslab up`: one process per lab (main.ts) that outlives the command,
// recorded in the run directory before anything else can go wrong (teardown and gc kill it), and
// waited for until every host's services listen, so the lab is usable when `up` returns.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { processStart } from '../procs.js';
import { PRIVATE_FILE_MODE, logPath, recordPid, runDirOf } from '../rundir.js';
import { AgentError, agentEntry } from './client.js';
import type { AgentConfig } from './protocol.js';

/** The last lines of a log, to say why a process died. */
function logTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n  ');
    return lines ? `:\n  ${lines}` : ` (log: ${file})`;
  } catch {
    return '';
  }
}

/** Wait for "ready" on the pipe, or the end of it (the process died), or the timeout. */
function readyLine(pipe: Readable, timeoutMs: number): Promise<'ready' | 'ended' | 'timeout'> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    const done = (r: 'ready' | 'ended' | 'timeout') => {
      clearTimeout(timer);
      pipe.removeAllListeners();
      pipe.destroy();
      resolve(r);
    };
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => (text += d).includes('ready\n') && done('ready'));
    pipe.on('end', () => done('ended'));
    pipe.on('error', () => done('ended'));
  });
}

export async function startKeptAgents(labId: string, configs: AgentConfig[], timeoutMs = 10_000): Promise<number> {
  const file = join(runDirOf(labId), 'agents.json');
  // the run directory's files are root's only (rundir.ts): a config names data dirs, a log holds payload notes
  writeFileSync(file, JSON.stringify(configs, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  const log = logPath(labId, 'agents');
  const logFd = openSync(log, 'a', PRIVATE_FILE_MODE);
  let child;
  try {
    child = spawn(process.execPath, [agentEntry('main.js'), file, '--ready-fd', '3'], {
      stdio: ['ignore', logFd, logFd, 'pipe'],
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new AgentError(`kept agents did not start (log: ${log})`);
  await recordPid(labId, { pid, start: await processStart(pid), host: configs.map((c) => c.host).join(','), name: 'agents' });
  const result = await readyLine(child.stdio[3] as Readable, timeoutMs);
  if (result !== 'ready') {
    child.kill('SIGKILL');
    throw new AgentError(`kept agents ${result === 'timeout' ? `not ready after ${timeoutMs} ms` : 'exited before they were ready'}${logTail(log)}`);
  }
  child.unref();
  return pid;
}
