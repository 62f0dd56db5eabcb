// Which way the imports run in src/, checked by test/layers.test.ts and `npm run lint:layers`
// (through dependency-cruiser's API; on Node >= 22 `npx depcruise src --config .dependency-cruiser.cjs`
// works too). This file is the only place the rules are written.
//
// Paths are relative to the directory the cruise runs from (`options.baseDir`, by default the repo
// root), so the same rules judge any tree laid out like this one: the layer test also runs them over
// a small throw-away tree to prove that each rule bites.
//
// Unit tests beside their code (`*.test.ts`) obey the layer rules too, so that a test of the IPVS core
// exercises the core alone; they may use test machinery (test/), vitest and Node's file system, as
// they never reach dist (tsconfig.build.json leaves them out).

/** files under src/DIR, e.g. inSrc('lb/ipvs') */
const inSrc = (dir) => `^src/${dir}/`;
const TEST_FILE = '\\.test\\.ts$';

// Node built-ins the IPVS core may use: in-process only, no file, socket, process or host state.
//   events: an emitter delivers to listeners in the same process;
//   buffer: bytes in memory (packets, sync messages);
//   assert: checks on the core's own state;
//   util:   formatting and type checks.
// Everything else (fs, net, dgram, child_process, os, ...) reaches the outside world, which belongs
// to the director daemon that hosts the core.
const PURE_BUILTINS = ['events', 'buffer', 'assert', 'util'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'ipvs-core-imports-only-itself',
      comment:
        'The IPVS core is kernel logic: it knows no lab, namespace, process, ipvsadm text, VRRP, ' +
        'keepalived, director, kernel backend, check, API or CLI, so it runs the same in `lvslab ' +
        'simulate`, in the director and in unit tests. ipvsadm is userland that talks to the core ' +
        'through its control API and a snapshot, never the other way round.',
      severity: 'error',
      from: { path: inSrc('lb/ipvs') },
      to: { path: '^src/', pathNot: inSrc('lb/ipvs') },
    },
    {
      name: 'ipvs-core-reaches-no-outside-world',
      comment:
        'The IPVS core opens no file, socket or process: the director daemon that hosts it does the ' +
        'I/O (NFQUEUE, the sync socket, the control socket) and hands it packets. Only in-process ' +
        'built-ins are allowed (events, buffer, assert, util); its unit tests may read recordings.',
      severity: 'error',
      from: { path: inSrc('lb/ipvs'), pathNot: TEST_FILE },
      to: {
        dependencyTypes: ['core'],
        pathNot: `^(node:)?(${PURE_BUILTINS.join('|')})$`,
      },
    },
    {
      name: 'ipvs-core-uses-no-package',
      comment:
        'The IPVS core is plain TypeScript with no dependency, like the kernel code it mirrors: a ' +
        'package there (execa, undici, netlink, koffi) would be the outside world coming in.',
      severity: 'error',
      from: { path: inSrc('lb/ipvs'), pathNot: TEST_FILE },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
      },
    },
    {
      name: 'director-hosts-the-load-balancer',
      comment:
        "The director daemon hosts the IPVS core, VRRP and keepalived's checkers and wires them " +
        'together; they do not know it. The kernel backend is its twin and does not borrow from it.',
      severity: 'error',
      from: { path: '^src/lb/(ipvs|ipvsadm|vrrp|keepalived|kernel)/' },
      to: { path: inSrc('lb/director') },
    },
    {
      name: 'lab-knows-no-load-balancer',
      comment:
        'The lab builder makes namespaces, links, hosts and agents for any topology; it knows no load ' +
        'balancer, no check and no scenario, so a lab can be built and torn down on its own.',
      severity: 'error',
      from: { path: inSrc('lab') },
      to: { path: '^src/', pathNot: inSrc('lab') },
    },
    {
      name: 'checks-judge-from-outside',
      comment:
        'Checks judge what a user can see from outside (probe records, `ipvsadm` text, the lab ' +
        "topology), never the embedded core's internals, so they judge both backends the same way. " +
        'They sit below the API and the CLI, which use them.',
      severity: 'error',
      from: { path: inSrc('checks') },
      to: { path: ['^src/(lb|api|cli)/', '^src/index\\.ts$'] },
    },
    {
      name: 'load-balancer-below-api',
      comment:
        'The load balancers are what the API drives; they do not call back into the API, the CLI ' +
        'or the package entry.',
      severity: 'error',
      from: { path: inSrc('lb') },
      to: { path: ['^src/(api|cli)/', '^src/index\\.ts$'] },
    },
    {
      name: 'api-below-cli',
      comment: 'The CLI is one user of the API; the API works without it.',
      severity: 'error',
      from: { path: inSrc('api') },
      to: { path: inSrc('cli') },
    },
    {
      name: 'product-imports-no-test-machinery',
      comment:
        'Recorders, fakes, testkits, harnesses, suites and benches are not product: what ships in ' +
        'dist never imports them (tests beside their code may).',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { path: ['^(test|suites|bench)/', TEST_FILE] },
    },
    {
      name: 'no-circular',
      comment:
        'Modules that import each other cannot be read, tested or loaded one without the other; an ' +
        'import cycle means one of them holds what belongs to a third module, or to the other side.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment:
        'A module that imports nothing and that nothing imports is dead code or a forgotten move.',
      severity: 'error',
      from: { orphan: true, path: '^src/' },
      to: {},
    },
  ],
  options: {
    // Only src/ is judged; what it imports from elsewhere is seen (so the rules can name it) but
    // not cruised further.
    doNotFollow: { path: ['node_modules', '^(test|suites|bench)/'] },
    // type-only imports count: a layer that needs another's types depends on it all the same.
    // (`./x.js` specifiers resolve to `./x.ts` without reading tsconfig.json: there are no aliases.)
    tsPreCompilationDeps: true,
    moduleSystems: ['es6', 'cjs'],
  },
};
