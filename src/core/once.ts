/**
 * A value built the first time it is asked for. For zod schemas most nodes never use (a
 * bridge type, the gateway, history, the HTTP server): building them costs heap and start-up
 * time on every node, used or not.
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
