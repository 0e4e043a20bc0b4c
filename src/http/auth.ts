/** Bearer-token checks for the HTTP API, in constant time whatever the token's length. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Returns a check for `Authorization` header values; comparing digests hides the token's length too. */
export function bearerCheck(token: string): (header: string | undefined) => boolean {
  const want = digest(token);
  return (header) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    const given = digest(m ? m[1] : '');
    // Always compare, even without a header, so a missing header costs the same as a wrong one.
    return timingSafeEqual(given, want) && m !== null;
  };
}
