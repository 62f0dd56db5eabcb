// `lvslab ls`: the labs on this machine, their state (building, running, kept, orphaned) and owner.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { listLabIds, readRecord, KEPT_OWNER } from '../../lab/rundir.js';
import { labState, type LabState } from '../../lab/teardown.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab ls [--json]

List the labs on this machine (root only: labs' run directories hold their secrets): id, what it was
built from, state and owner, age and hosts. States:
  building(PID)   PID is still building it ('lvslab up' until its services run)
  running(PID)    built, in use by PID (a test run, 'lvslab run'); removed when PID is gone
  kept            built by 'lvslab up', stays until 'lvslab down'
  orphaned(PID)   its builder or user PID is gone: the next gc (or any build) removes it`;

function stateText(state: LabState | 'unreadable', owner: number | undefined): string {
  return state === 'kept' || state === 'unreadable' || owner === undefined ? state : `${state}(${owner})`;
}

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list labs',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    requireRoot('ls', "labs' run directories are root's only");
    const rows: Array<{ id: string; source: string; owner: string; state: LabState | 'unreadable'; age: string; hosts: string }> = [];
    for (const id of await listLabIds()) {
      const rec = await readRecord(id);
      if (!rec) {
        rows.push({ id, source: '?', owner: '?', state: 'unreadable', age: '', hosts: '' });
        continue;
      }
      const ageS = Math.round((Date.now() - Date.parse(rec.createdAt)) / 1000);
      rows.push({
        id,
        source: rec.source,
        owner: rec.owner.pid === KEPT_OWNER ? 'kept' : String(rec.owner.pid),
        state: await labState(rec),
        age: ageS < 120 ? `${ageS}s` : ageS < 7200 ? `${Math.round(ageS / 60)}m` : `${Math.round(ageS / 3600)}h`,
        hosts: rec.topology.hosts.map((h) => h.name).join(','),
      });
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write('no labs\n');
      return 0;
    }
    const header = { id: 'LAB', source: 'SOURCE', state: 'STATE', age: 'AGE', hosts: 'HOSTS' };
    const all = [header, ...rows.map((r) => ({ ...r, state: stateText(r.state, Number(r.owner) || undefined) }))];
    const keys = Object.keys(header) as Array<keyof typeof header>;
    const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
    for (const r of all) process.stdout.write(keys.map((k, i) => (i === keys.length - 1 ? r[k] : r[k].padEnd(widths[i]))).join('  ') + '\n');
    return 0;
  },
};
