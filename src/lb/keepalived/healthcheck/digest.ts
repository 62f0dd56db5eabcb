// HTTP_GET / SSL_GET `digest`: keepalived hashes the page body with MD5 and compares it with the url's
// digest (check_http.c); an absent digest accepts any body.
import { createHash } from 'node:crypto';

export function md5Hex(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

/** Whether a body matches the expected lower-case hex MD5 (none expected: any body). */
export function digestMatches(body: Uint8Array, expected: string | undefined): boolean {
  return expected === undefined || md5Hex(body) === expected.toLowerCase();
}
