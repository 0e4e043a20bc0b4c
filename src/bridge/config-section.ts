/**
 * `bridges:` as the config loader sees it. A problem inside one bridge (its schema, a file, a
 * missing `${VAR}` or `!secret`) leaves that bridge out and is reported; the rest of the config,
 * and the agent, carry on without it.
 */
import type { Scalar } from 'yaml';
import { keyPositionOf, positionOf, type Located, type Problem } from '../yaml/config-file.js';
import { validateBridges } from './validate.js';
import type { BridgeConfig } from './schema.js';

export interface BridgeSection {
  bridges: BridgeConfig[];
  /** Problems that leave a bridge out. */
  problems: Problem[];
  /** The file's other problems: those outside every bridge, which still make the config unusable. */
  rest: Problem[];
}

/** Checks `raw` (the parsed `bridges:` list) against `src` (the file, for positions). */
export function checkBridgeSection(src: Located | undefined, raw: unknown, dir: string, fileProblems: Problem[]): BridgeSection {
  const list = Array.isArray(raw) ? raw : [];
  const ranges = list.map((_, i) => {
    const node = src?.doc.getIn(['bridges', i], true) as Scalar | undefined;
    if (!src || !node?.range) return undefined;
    return { from: src.lines.linePos(node.range[0]), to: src.lines.linePos(node.range[2]) };
  });
  const before = (a: { line: number; col: number }, b: { line: number; col: number }) => a.line < b.line || (a.line === b.line && a.col < b.col);
  const owner = (p: Problem) => ranges.findIndex((r) => r && !before(p, r.from) && before(p, r.to));
  const tainted = new Set<number>();
  const rest: Problem[] = [];
  const inBridges: Problem[] = [];
  for (const p of fileProblems) {
    const i = owner(p);
    if (i < 0) rest.push(p);
    else {
      tainted.add(i);
      inBridges.push(p);
    }
  }
  const result = validateBridges(list, {
    dir,
    tainted,
    locate: {
      file: src?.file ?? 'config',
      at: (path, key) => (!src ? { line: 1, col: 1 } : key ? keyPositionOf(src, ['bridges', ...path], key) : positionOf(src, ['bridges', ...path])),
    },
  });
  // A value wrong only because its ${VAR} or secret is missing is reported once.
  const reported = new Set(inBridges.map((p) => `${p.line}:${p.col}`));
  const problems = [...inBridges, ...result.problems.filter((p) => !reported.has(`${p.line}:${p.col}`))].sort((a, b) => a.line - b.line || a.col - b.col);
  return { bridges: result.bridges, problems, rest };
}
