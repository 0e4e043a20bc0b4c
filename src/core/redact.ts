/** Hiding passwords from logs, errors and payloads. */

/** The URL with the password of its user info replaced by `***` (the whole user info when it has no ':'). */
export function hideCredentials(url: string): string {
  // The scheme is optional here: a URL written without one is still shown without its password.
  return url.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?([^/?#]*)@/i, (_m, scheme: string | undefined, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme ?? ''}${colon < 0 ? '***' : `${info.slice(0, colon)}:***`}@`;
  });
}

/** Values shorter than this are hidden only where they are quoted, so `7` does not eat every 7 in a message. */
const SHORT = 4;

/**
 * `text` with every one of `values` (secrets, environment values) replaced by `***`, in the
 * forms error messages quote them: as written, JSON-quoted, or in single quotes.
 */
export function redactValues(text: string, values: Iterable<string>): string {
  const list = [...new Set(values)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of list) {
    out = out.split(JSON.stringify(v)).join('"***"').split(`'${v}'`).join("'***'");
    if (v.length < SHORT) continue;
    const escaped = JSON.stringify(v).slice(1, -1);
    out = out.split(escaped).join('***');
    if (escaped !== v) out = out.split(v).join('***');
  }
  return out;
}

/**
 * The parts of a value worth hiding: the text of every scalar in it, and for a URL the pieces
 * that messages show on their own (host, path, origin and path, user, password, query values),
 * since errors print URLs shortened or with the password masked.
 */
export function sensitiveParts(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).flatMap(sensitiveParts);
  const text = String(value);
  return [text, ...urlParts(text)];
}

function urlParts(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return [];
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return [];
  }
  const parts = [u.host, u.pathname, `${u.origin}${u.pathname}`, decodeURIComponent(u.username), decodeURIComponent(u.password), ...u.searchParams.values()];
  return parts.filter((p) => p.length >= 4 && p !== '/');
}
