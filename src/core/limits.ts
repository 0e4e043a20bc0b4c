/**
 * Size limits on everything hanode takes from outside (README "Limits and failure behaviour").
 * A message or file over its limit is refused as a whole with an error that names it and the
 * limit, before any work is done on it: one oversized message costs a length check, never a
 * stalled event loop.
 */

/** The largest `…/set` command, `$request` or `$sim` payload: 64 KiB. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** The largest scheme file: 1 MiB. */
export const MAX_SCHEME_FILE_BYTES = 1024 * 1024;

/** The largest `hanode.yaml` or `secrets.yaml`: 256 KiB. */
export const MAX_CONFIG_FILE_BYTES = 256 * 1024;

/** The most aliases a YAML file may expand; more is an alias bomb ("billion laughs"). */
export const MAX_YAML_ALIASES = 1000;

/** The most fields one scheme's `homeassistant:` block may override (README "Home Assistant"). */
export const MAX_HA_OVERRIDES = 32;

/** `65536` → `64 KiB`, `1048576` → `1 MiB`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Why `size` bytes of `what` are refused, or undefined when they are within `limit`. */
export function sizeError(size: number, limit: number, what = 'payload'): string | undefined {
  if (size <= limit) return undefined;
  return `${what} of ${size} bytes is over the limit of ${formatBytes(limit)}; refused without reading it`;
}

/** The longest error text sent on `$error` or logged for one rejected message. */
export const MAX_ERROR_CHARS = 500;

/** `text` cut to at most `max` characters, with `…` where it was cut. */
export function excerpt(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
