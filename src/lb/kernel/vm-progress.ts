// What an entry run inside the kernel VM shares with the host that started it, kept apart from
// vm-run.ts so an entry loads nothing more over the VM's 9p share than it needs (vm-run.ts pulls in
// the VM runner and execa, whose module graph costs seconds to load under emulation).

/** Lines the entry prints with this in front are progress; the host picks them out of the console. */
export const VM_PROGRESS = 'lvslab-vm-progress: ';

/** Run an entry's main inside the VM and exit with its status; an uncaught error is printed under `label` and exits 1. */
export function exitWithMain(label: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${label}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
