// Value readers shared by the block parsers: each checks one statement's arguments and records a
// problem naming the keyword, the value and the accepted range instead of throwing.
import { isIP } from 'node:net';
import type { ConfProblem } from './errors.js';
import type { Statement } from './lexer.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

export class ValueReader {
  constructor(readonly problems: ConfProblem[]) {}

  fail(s: Statement | number, message: string): undefined {
    this.problems.push({ line: typeof s === 'number' ? s : s.line, message });
    return undefined;
  }

  /** the statement's single argument */
  word(s: Statement, what = 'a value'): string | undefined {
    if (s.args.length === 0) return this.fail(s, `${s.keyword}: needs ${what}`);
    if (s.args.length > 1) return this.fail(s, `${s.keyword}: expects one value, got '${s.args.join(' ')}'`);
    return s.args[0];
  }

  /** the statement's arguments joined (scripts may be written unquoted with their own arguments) */
  rest(s: Statement, what = 'a value'): string | undefined {
    if (s.args.length === 0) return this.fail(s, `${s.keyword}: needs ${what}`);
    return s.args.join(' ');
  }

  numberText(s: Statement, text: string, min: number, max: number, integer: boolean): number | undefined {
    const pattern = integer ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)$/;
    if (!pattern.test(text)) {
      return this.fail(s, `${s.keyword}: '${text}' is not ${integer ? 'an integer' : 'a number'}`);
    }
    const n = Number(text);
    if (n < min || n > max) return this.fail(s, `${s.keyword}: ${text} is outside ${min}..${max}`);
    return n;
  }

  int(s: Statement, min: number, max: number): number | undefined {
    const w = this.word(s, `an integer ${min}..${max}`);
    return w === undefined ? undefined : this.numberText(s, w, min, max, true);
  }

  num(s: Statement, min: number, max: number): number | undefined {
    const w = this.word(s, `a number ${min}..${max}`);
    return w === undefined ? undefined : this.numberText(s, w, min, max, false);
  }

  ipv4(s: Statement, text: string | undefined, what = 'address'): string | undefined {
    if (text === undefined) return undefined;
    if (text.includes(':')) return this.fail(s, `${s.keyword}: '${text}' is IPv6; lvslab takes an IPv4 ${what} here`);
    if (!isIpv4(text)) return this.fail(s, `${s.keyword}: '${text}' is not an IPv4 ${what}`);
    return text;
  }

  /** an IPv4 or IPv6 address (VRRP: a vrrp_instance is either, by its addresses) */
  ip(s: Statement, text: string | undefined, what = 'address'): string | undefined {
    if (text === undefined) return undefined;
    if (text.includes(':')) return isIP(text) === 6 ? text : this.fail(s, `${s.keyword}: '${text}' is not an IPv6 ${what}`);
    return this.ipv4(s, text, what);
  }

  port(s: Statement, text: string | undefined): number | undefined {
    if (text === undefined) return this.fail(s, `${s.keyword}: needs a port`);
    return this.numberText(s, text, 0, 65535, true);
  }

  /** a flag keyword takes no arguments */
  flag(s: Statement): true {
    if (s.args.length > 0) this.fail(s, `${s.keyword}: takes no value, got '${s.args.join(' ')}'`);
    return true;
  }

  noBlock(s: Statement): void {
    if (s.block) this.fail(s, `${s.keyword}: does not take a '{ }' block`);
  }

  needBlock(s: Statement): Statement[] {
    if (!s.block) {
      this.fail(s, `${s.keyword}: needs a '{ }' block`);
      return [];
    }
    return s.block;
  }
}
