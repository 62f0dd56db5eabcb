// `npm run bench -- <name> [args]`: runs bench/<name>.ts's run(args).
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write('usage: npm run bench -- <name> [args]   (e.g. ipvs, lab)\n');
  process.exit(2);
}
let mod: { run?: (args: string[]) => Promise<void> };
try {
  mod = (await import(`./${name}.js`)) as typeof mod;
} catch (e) {
  process.stderr.write(`bench: no benchmark '${name}' (${(e as Error).message})\n`);
  process.exit(2);
}
if (typeof mod.run !== 'function') {
  process.stderr.write(`bench: ${name} exports no run(args)\n`);
  process.exit(2);
}
await mod.run(args);
