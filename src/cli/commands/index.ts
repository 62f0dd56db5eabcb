// Every `lvslab` subcommand, in the order `lvslab --help` lists them. Add one line per command.
import type { Command } from '../command.js';
import { upCommand } from './up.js';
import { downCommand } from './down.js';
import { lsCommand } from './ls.js';
import { gcCommand } from './gc.js';
import { execCommand } from './exec.js';
import { scriptCommand } from './script.js';
import { probeCommand } from './probe.js';
import { runCommand } from './run.js';
import { reportCommand } from './report.js';
import { ipvsadmCommand } from './ipvsadm.js';
import { simulateCommand } from './simulate.js';
import { recordCommand } from './record.js';
import { faultCommand } from './fault.js';
import { logsCommand } from './logs.js';

export const commands: Command[] = [runCommand, reportCommand, ipvsadmCommand, simulateCommand, recordCommand, upCommand, downCommand, lsCommand, gcCommand, execCommand, scriptCommand, probeCommand, faultCommand, logsCommand];
