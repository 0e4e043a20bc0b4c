/**
 * `hanode.yaml` as a backup may carry it: the text as written, comments kept, with every secret
 * value replaced by `<redacted>`. A `!secret name` or `${VAR}` reference is kept (it names the
 * secret; the value stays in secrets.yaml or the environment, which a backup never holds). A value
 * written in clear under a key such as `password`, `token` or `api_key`, the password in a broker
 * URL, and any value that came from a secret are all hidden.
 */
import { parseDocument, isPair, isScalar, visit, type Scalar } from 'yaml';
import { hideCredentials, redactValues } from '../core/redact.js';

export const REDACTED = '<redacted>';

/** Keys whose value is a credential when written in clear. */
const SECRET_KEY = /(^|_)(password|passwd|passphrase|token|secret|api_?key|connection_string|credentials?)$|^key$|_key$/i;
/** A `key:` that names a PEM file (mqtt and bridge TLS) is a path, not a secret. */
const FILE_PATH = /[/\\]|\.(pem|key|crt|der)$/i;
const URL_WITH_USER = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;
const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** The config text with its secrets hidden; `sensitive` are the values that came from secrets and the environment. */
export function redactConfigText(text: string, sensitive: readonly string[] = []): string {
  const doc = parseDocument(text, { customTags: [{ tag: '!secret', resolve: (s: string) => s }] });
  if (doc.errors.length) return `# ${REDACTED}: the config file is not valid YAML, so it is left out of the backup\n`;
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) return;
      const value = pair.value as Scalar;
      if (value.tag === '!secret' || value.value === null) return;
      const text = String(value.value);
      if (REFERENCE.test(text)) return;
      if (SECRET_KEY.test(String(pair.key.value)) && !(String(pair.key.value).toLowerCase().endsWith('key') && FILE_PATH.test(text))) {
        value.value = REDACTED;
        value.type = 'PLAIN';
      }
    },
    Scalar(_key, node) {
      if (typeof node.value === 'string' && URL_WITH_USER.test(node.value)) node.value = hideCredentials(node.value);
    },
  });
  return redactValues(doc.toString(), sensitive);
}
