// Every `lvslab` subcommand, in the order `lvslab --help` lists them. Add one line per command.
import type { Command } from '../command.js';
import { runCommand } from './run.js';
import { ipvsadmCommand } from './ipvsadm.js';
import { simulateCommand } from './simulate.js';

export const commands: Command[] = [runCommand, ipvsadmCommand, simulateCommand];
