import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { planBuild, renderScript, stepCommand } from './plan.js';
import { preset } from './presets.js';
import { validateDescription } from './validate.js';

describe('planBuild', () => {
  const plan = planBuild(validateDescription(preset('article-single')), 'labx');

  it('names every namespace lvs-<id>-<host>, switch first', () => {
    expect(plan.namespaces).toEqual(['lvs-labx-sw', 'lvs-labx-client', 'lvs-labx-ds1', 'lvs-labx-rs1', 'lvs-labx-rs2']);
  });

  it('uses few processes: namespaces, switch, then per-host batches and sysctls in parallel', () => {
    expect(plan.stages.map((s) => s.length)).toEqual([1, 1, 5]);
    expect(plan.stages[0][0]).toEqual({ kind: 'ip-batch', lines: plan.namespaces.map((n) => `netns add ${n}`) });
    expect(plan.stages[2].filter((s) => s.kind === 'sysctl')).toEqual([{ kind: 'sysctl', netns: 'lvs-labx-ds1', settings: ['net.ipv4.ip_forward=1'] }]);
  });

  it('creates every link from inside the switch namespace, never the root one', () => {
    const wire = plan.stages[1][0];
    expect(wire.netns).toBe('lvs-labx-sw');
    expect(stepCommand(wire).args).toEqual(['-n', 'lvs-labx-sw', '-batch', '-']);
    const adds = wire.kind === 'ip-batch' ? wire.lines.filter((l) => l.includes('type veth')) : [];
    expect(adds).toContain('link add eth1 netns lvs-labx-ds1 type veth peer name ds1-eth1');
    expect(adds).toHaveLength(5); // client 1, ds1 2, rs1 1, rs2 1
    for (const step of plan.stages.flat()) if (step.kind === 'ip-batch' && step.netns === undefined) expect(step.lines.every((l) => l.startsWith('netns add'))).toBe(true);
  });

  it('configures a real server: addresses, link up, then its default route', () => {
    const rs1 = plan.stages[2].find((s) => s.netns === 'lvs-labx-rs1');
    expect(rs1).toEqual({
      kind: 'ip-batch',
      netns: 'lvs-labx-rs1',
      lines: ['link set lo up', 'link set eth0 addrgenmode none', 'addr add 10.0.0.101/24 dev eth0', 'link set eth0 up', 'route add default via 10.0.0.105'],
    });
  });

  it('renders a shell script that sh accepts', () => {
    const script = renderScript(plan, 'article-single');
    expect(script).toContain("ip -n lvs-labx-sw -batch - <<'EOF'");
    expect(script).toContain('netns del lvs-labx-sw');
    execFileSync('sh', ['-n'], { input: script });
  });
});
