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

/** The longest template (a display line, an `http` body, a rule's `publish` payload, a bridge payload): 8 KiB. */
export const MAX_TEMPLATE_CHARS = 8 * 1024;

/** The most text one rendering of a template may produce: 64 KiB, the size of a payload. */
export const MAX_TEMPLATE_OUTPUT_CHARS = 64 * 1024;

/** How long one rendering of a template may run before it is stopped, in ms. */
export const MAX_TEMPLATE_RENDER_MS = 50;

/** How many parsed templates are kept, so each is parsed once. */
export const MAX_CACHED_TEMPLATES = 1000;

/** How many `facts:` on other MQTT topics the rules of a node may declare in all. */
export const MAX_EXTERNAL_FACTS = 64;

/** The largest payload taken as an external fact: 16 KiB; a sensor's state is far smaller. */
export const MAX_FACT_PAYLOAD_BYTES = 16 * 1024;
