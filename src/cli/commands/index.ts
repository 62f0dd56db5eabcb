// Every `lvslab` subcommand, in the order `lvslab --help` lists them. Add one line per command.
import type { Command } from '../command.js';

export const commands: Command[] = [];
