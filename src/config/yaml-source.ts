/**
 * Reads a YAML config file keeping node positions, so every error can name FILE:LINE:COL.
 * Resolves `!secret name` (from secrets.yaml) and `${ENV_VAR}` in place, before toJS().
 */
import { readFile } from 'node:fs/promises';
import { Document, LineCounter, parseDocument, isScalar, visit, type Scalar } from 'yaml';

/** A config that cannot be used; each problem is a `FILE:LINE:COL: message` line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface Located {
  file: string;
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

const secretTag = { tag: '!secret', resolve: (str: string) => str };

export async function readYamlFile(
  file: string,
  opts: { secrets: () => Promise<Record<string, unknown>>; env: NodeJS.ProcessEnv },
): Promise<Located> {
  const lines = new LineCounter();
  const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter: lines, customTags: [secretTag], prettyErrors: false });
  const problems = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
  });
  if (problems.length) throw new ConfigError(problems);

  let secrets: Record<string, unknown> | undefined;
  const pending: { node: Scalar; name: string }[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (node.tag === '!secret') pending.push({ node, name: String(node.value) });
      else if (typeof node.value === 'string' && node.value.includes('${')) {
        node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
          const value = opts.env[name];
          if (value === undefined) problems.push(`${where(file, lines, node)}: environment variable ${name} is not set`);
          return value ?? '';
        });
      }
    },
  });
  for (const { node, name } of pending) {
    secrets ??= await opts.secrets();
    if (!(name in secrets)) problems.push(`${where(file, lines, node)}: secret '${name}' is not in secrets.yaml`);
    node.value = secrets[name] ?? '';
    node.tag = undefined;
  }
  if (problems.length) throw new ConfigError(problems);
  return { file, doc, lines, value: doc.toJS() };
}

function where(file: string, lines: LineCounter, node: Scalar): string {
  const pos = lines.linePos(node.range?.[0] ?? 0);
  return `${file}:${pos.line}:${pos.col}`;
}

/** Position of the node at `path`, or of its nearest existing parent. */
export function positionOf(src: Located, path: (string | number)[]): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = src.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (isScalar(node) || (node && node.range)) return src.lines.linePos(node!.range![0]);
  }
  return { line: 1, col: 1 };
}
