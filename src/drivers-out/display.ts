/**
 * What the text displays (`ssd1306`, `hd44780`) share: the payloads (`{"text"}`, `{"lines"}`,
 * `ON`/`OFF`, `{"clear": true}`), the `{{scheme.field}}` templates re-rendered whenever a scheme
 * they name publishes, restore, and one queue so a template redraw never interleaves with a
 * command. The panel behind it only draws rows and knows its own settings (contrast, backlight).
 */
import { z } from 'zod';
import { CommandError, type OutputContext, type OutputDriver, type Reading } from '../core/driver.js';
import { duration, template } from '../schemes/pieces.js';
import { Template, referencedIds, statesLookup } from './template.js';
import { clip, pad, wrapText } from './text-layout.js';

/** Shown where a template names a scheme or field that has no value yet. */
export const MISSING = '--';

/** A template saved before a restart; one the engine no longer takes is shown as it is rather than lost. */
function restoredTemplate(text: string): Template {
  try {
    return new Template(text);
  } catch {
    return new Template(text.replaceAll('{{', '{ {').replaceAll('{%', '{ %'));
  }
}

/** One character display as the shared logic sees it. */
export interface TextPanel {
  readonly cols: number;
  readonly rows: number;
  /** Opens and initialises the device, display still dark; `restored` may carry the panel's settings. */
  open(restored?: Reading): Promise<void>;
  /** Shows exactly `rows` lines of `cols` cells, sending only what changed since the last call. */
  show(rows: readonly string[]): Promise<void>;
  power(on: boolean): Promise<void>;
  /** Applies the panel's own command keys (contrast, backlight). */
  adjust(command: Record<string, unknown>): Promise<void>;
  /** The panel's settings, published with the state. */
  settings(): Reading;
  close(): Promise<void>;
}

/** Options both displays have. */
export const displayOptions = {
  lines: z
    .array(template('One row'))
    .optional()
    .describe('Lines shown at start when there is nothing to restore; `{{ scheme.field }}` shows another scheme\'s value (README "Templates")')
    .meta({ examples: [['Kitchen', '{{kitchen-climate.temperature}} °C']] }),
};

/** The command schema of a display: the shared keys plus the panel's own. */
export function displayCommand<E extends z.ZodRawShape>(extra: E) {
  return z
    .strictObject({
      state: z.enum(['ON', 'OFF', 'TOGGLE']).optional().describe('Display on or off (the content is kept)'),
      text: template('Text wrapped onto the rows; may hold templates such as `{{ kitchen-climate.temperature | round: 1 }}`').optional(),
      lines: z.array(template('One row')).optional().describe('One string per row, cut to the width; each may hold templates'),
      value: z.number().optional().describe('A bare number payload, shown as text'),
      clear: z.boolean().optional().describe('true blanks the display'),
      for: duration('With state: switch back after this long').optional(),
      ...extra,
    })
    .refine((c) => Object.keys(c).length > 0, 'expected text, lines, state or a setting')
    .refine((c) => ['text', 'lines', 'value'].filter((k) => (c as Record<string, unknown>)[k] !== undefined).length <= 1, 'give only one of text, lines and value');
}

/** The published fields both displays have. */
export const displayFields = [
  { name: 'state', type: 'state', description: 'ON or OFF: whether the display is lit' },
  { name: 'text', type: 'string', description: 'What the display shows, rows joined by \\n (templates filled in)' },
  { name: 'template', type: 'string', description: 'The text or lines as sent, when they hold templates' },
] as const;

type Content = { kind: 'text'; template: Template } | { kind: 'lines'; templates: Template[] };

/** An output driver for `panel`, with `initial` lines when nothing is restored. */
export function textDisplay(panel: TextPanel, initial: string[] | undefined, ctx: OutputContext): OutputDriver {
  const latest = new Map<string, Reading>();
  const lookup = statesLookup(ctx.states, latest);
  let content: Content = { kind: 'lines', templates: [] };
  let watched = new Set<string>();
  let on = true;
  let shown: string[] = [];
  let unwatch: (() => void) | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => {});
    return run;
  };
  const templates = () => (content.kind === 'text' ? [content.template] : content.templates);
  const setContent = (c: Content) => {
    content = c;
    watched = referencedIds(templates());
  };
  const render = (): string[] => {
    const { cols, rows } = panel;
    const lines =
      content.kind === 'text'
        ? wrapText(content.template.render(lookup, { missing: MISSING }), cols, rows)
        : content.templates.map((t) => clip(t.render(lookup, { missing: MISSING }), cols));
    return Array.from({ length: rows }, (_, i) => pad(lines[i] ?? '', cols));
  };
  const draw = async () => {
    const rows = render();
    await panel.show(rows);
    shown = rows;
  };
  const state = (): Reading => {
    const text = shown.map((r) => r.trimEnd()).join('\n').replace(/\n+$/, '');
    const source = templates().map((t) => t.source).join('\n');
    return { state: on ? 'ON' : 'OFF', text, ...(watched.size > 0 ? { template: source } : {}), ...panel.settings() };
  };

  return {
    async start(restored) {
      await panel.open(restored);
      const saved = typeof restored?.template === 'string' ? restored.template : restored?.text;
      if (typeof saved === 'string') setContent({ kind: 'text', template: restoredTemplate(saved) });
      else setContent({ kind: 'lines', templates: (initial ?? []).map((l) => new Template(l)) });
      on = restored?.state !== 'OFF';
      await draw();
      await panel.power(on);
      unwatch = ctx.states.watch((id, s) => {
        if (!watched.has(id)) return;
        latest.set(id, s);
        // Only a changed picture goes to the device; the panel then sends only the changed rows.
        serial(async () => {
          const rows = render();
          if (rows.some((r, i) => r !== shown[i])) {
            await draw();
            ctx.update(state());
          }
        }).catch((err) => ctx.log.warn(`${ctx.id}: redraw after ${id} changed failed: ${(err as Error).message}`));
      });
      return state();
    },
    apply(command) {
      return serial(async () => {
        const { state: wanted, text, lines, value, clear, for: _for, ...own } = command;
        if (Array.isArray(lines) && lines.length > panel.rows) {
          throw new CommandError(`the display has ${panel.rows} rows; got ${lines.length} lines`);
        }
        if (clear === true) setContent({ kind: 'lines', templates: [] });
        if (typeof text === 'string') setContent({ kind: 'text', template: new Template(text) });
        if (typeof value === 'number') setContent({ kind: 'text', template: new Template(String(value)) });
        if (Array.isArray(lines)) setContent({ kind: 'lines', templates: lines.map((l) => new Template(String(l))) });
        if (Object.keys(own).length > 0) await panel.adjust(own);
        await draw();
        if (wanted !== undefined) {
          const next = wanted === 'TOGGLE' ? !on : wanted === 'ON';
          await panel.power(next);
          on = next;
        }
        return state();
      });
    },
    async stop() {
      unwatch?.();
      unwatch = undefined;
      await queue;
      await panel.close();
    },
  };
}
