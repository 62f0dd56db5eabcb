// Agents' log lines, timestamped as every log of a lab is (an ISO time first, as the director daemons
// write them): `lvslab logs` (src/lab/logs.ts) places each line at its own time instead of lending it
// the time of the line before. The kept agents' stdout and stderr are the lab's agents.log.

/** `text` as log lines, each line (a multi-line message too) starting with `now` in ISO form. */
export function agentLogLines(text: string, now = new Date()): string {
  const at = now.toISOString();
  return text.replace(/\n+$/, '').split('\n').map((line) => `${at} ${line}\n`).join('');
}

/** Write a message to stderr (or stdout) as timestamped log lines. */
export function agentLog(text: string, stream: NodeJS.WriteStream = process.stderr): void {
  stream.write(agentLogLines(text));
}
