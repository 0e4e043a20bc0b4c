/**
 * `!secret name` and `${ENV_VAR}` (README "Config" and "Secrets in scheme files"): the one place
 * both `hanode.yaml` and scheme files have them resolved, in the parsed document, before it
 * becomes plain data. Every value put in is remembered with its place, so no problem, log line
 * or `$error` ever quotes it.
 */
import { visit, type Document, type LineCounter, type Scalar } from 'yaml';
import { didYouMean } from '../core/suggest.js';
import { redactValues, sensitiveParts } from '../core/redact.js';
import type { Problem } from './problem.js';

/** The `!secret` tag, for `parseDocument`'s `customTags`. */
export const secretTag = { tag: '!secret', resolve: (str: string) => str };

/** Values that came from `!secret` or `${ENV_VAR}`, and the `line:col` of each. */
export interface Sensitive {
  values: string[];
  at: Set<string>;
}

/** True when the document has a `!secret` to resolve. */
export function hasSecrets(doc: Document): boolean {
  let found = false;
  visit(doc, {
    Scalar(_key, node) {
      if (node.tag === '!secret') {
        found = true;
        return visit.BREAK;
      }
    },
  });
  return found;
}

/**
 * Replaces `${ENV_VAR}` inside strings and `!secret name` scalars in `doc`, in place. Problems
 * (a variable not set, a secret not in the file) are returned, not thrown, so the caller can
 * report them with its own.
 */
export function substitute(
  doc: Document,
  lines: LineCounter,
  file: string,
  env: NodeJS.ProcessEnv,
  secrets: { values: Record<string, unknown>; label: string } | undefined,
): { problems: Problem[]; sensitive: Sensitive } {
  const problems: Problem[] = [];
  const sensitive: Sensitive = { values: [], at: new Set() };
  const at = (node: Scalar, message: string): Problem => ({ file, ...lines.linePos(node.range?.[0] ?? 0), message });
  const mark = (node: Scalar, values: string[]) => {
    sensitive.values.push(...values);
    const pos = lines.linePos(node.range?.[0] ?? 0);
    sensitive.at.add(`${pos.line}:${pos.col}`);
  };
  visit(doc, {
    Scalar(_key, node) {
      if (node.tag === '!secret') {
        const name = String(node.value);
        const known = secrets?.values ?? {};
        if (!Object.hasOwn(known, name)) problems.push(at(node, `secret '${name}' is not in ${secrets?.label ?? 'secrets.yaml'}${didYouMean(name, Object.keys(known))}`));
        node.value = known[name] ?? '';
        node.tag = undefined;
        mark(node, sensitiveParts(node.value));
      } else if (typeof node.value === 'string' && node.value.includes('${')) {
        const used: string[] = [];
        node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
          const value = env[name];
          if (value === undefined) problems.push(at(node, `environment variable ${name} is not set`));
          else used.push(value);
          return value ?? '';
        });
        if (used.length) mark(node, [...used.flatMap(sensitiveParts), ...sensitiveParts(node.value)]);
      }
    },
  });
  return { problems, sensitive };
}

/**
 * A problem about a value that came from `!secret` or `${VAR}` says what is wrong with it, never
 * the value: the part after ", got" is dropped at that value's place, and the value itself is
 * hidden wherever else a message quotes it.
 */
export function hideSensitive<P extends Problem>(p: P, file: string, sensitive: Sensitive | undefined): P {
  if (!sensitive || sensitive.values.length === 0) return p;
  let message = p.message;
  if (p.file === file && sensitive.at.has(`${p.line}:${p.col}`)) {
    message = message.replace(/, got [\s\S]*$/, ', got a value from secrets.yaml or the environment (not shown)');
  }
  return { ...p, message: redactValues(message, sensitive.values) };
}
