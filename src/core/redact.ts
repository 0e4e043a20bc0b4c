/** Hiding passwords from logs, errors and payloads. */

/** The URL with the password of its user info replaced by `***` (the whole user info when it has no ':'). */
export function hideCredentials(url: string): string {
  // The scheme is optional here: a URL written without one is still shown without its password.
  return url.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?([^/?#]*)@/i, (_m, scheme: string | undefined, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme ?? ''}${colon < 0 ? '***' : `${info.slice(0, colon)}:***`}@`;
  });
}
