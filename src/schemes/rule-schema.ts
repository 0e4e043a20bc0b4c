/**
 * `rules:` in scheme files (README "Scheme files"): json-rules-engine conditions, a schedule or a period,
 * and the actions to run.
 */
import { z } from 'zod';
import { Cron } from 'croner';
import { duration, SCHEME_ID } from './pieces.js';
import { didYouMean } from '../core/suggest.js';
import { objectCheck, show, type Path } from './issues.js';
import { jsonTemplateProblems } from '../core/template.js';
import { MAX_EXTERNAL_FACTS } from '../core/limits.js';

/** The longest topic a fact may be read from. */
const MAX_FACT_TOPIC_CHARS = 256;

/** The json-rules-engine operators a condition may use. */
export const OPERATORS = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
  'in', 'notIn', 'contains', 'doesNotContain',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** A local scheme id, or `node/scheme` for a scheme on another node. */
export const SCHEME_REF = new RegExp(`^${SCHEME_ID.source.slice(1, -1)}(/${SCHEME_ID.source.slice(1, -1)})?$`);

/** True for the `node/scheme` form, which names a scheme on another node. */
export function isRemoteRef(ref: string): boolean {
  return ref.includes('/');
}

const schemeRef = (what: string) =>
  z.string().regex(SCHEME_REF, `expected a scheme id, or NODE/SCHEME for ${what} on another node`);

const operator = z
  .enum(OPERATORS, {
    error: (iss) =>
      typeof iss.input === 'string'
        ? `unknown operator '${iss.input}'${didYouMean(iss.input, OPERATORS) || `; expected one of ${OPERATORS.join(', ')}`}`
        : undefined,
  })
  .describe('How the fact is compared with value');

/** A json-rules-engine condition: `all`/`any` lists, `not`, or a `{fact, operator, value}` test. */
export interface Condition {
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
  fact?: string;
  path?: string;
  operator?: Operator;
  value?: unknown;
  params?: Record<string, unknown>;
}

const NESTING = ['all', 'any', 'not'] as const;

/** The schema of one {@link Condition}, recursive through all/any/not. */
export const condition: z.ZodType<Condition> = z
  .strictObject({
    get all() {
      return z.array(condition).min(1).optional().describe('True when every condition in the list is');
    },
    get any() {
      return z.array(condition).min(1).optional().describe('True when at least one condition in the list is');
    },
    get not() {
      return condition.optional().describe('True when the condition is false');
    },
    fact: schemeRef('a scheme').optional().describe('A local scheme id, or NODE/SCHEME of another node').meta({ examples: ['kitchen-climate'] }),
    path: z.string().regex(/^\$/, 'expected a JSONPath such as $.temperature').optional().describe('Where in the state JSON the value is').meta({ examples: ['$.temperature'] }),
    operator: operator.optional(),
    value: z.unknown().optional().describe('The value to compare with'),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .check(
    objectCheck<Condition>((c) => {
      const nested = NESTING.filter((k) => c[k] !== undefined);
      const leaf = (['fact', 'path', 'operator', 'value', 'params'] as const).filter((k) => c[k] !== undefined);
      if (nested.length > 1) return [{ message: `expected one of all, any or not in a condition, got ${nested.join(' and ')}` }];
      if (nested.length === 1 && leaf.length) return [{ message: `a condition is either '${nested[0]}' or a fact test, not both (found ${leaf.join(', ')})` }];
      if (nested.length === 1) return [];
      return (['fact', 'operator', 'value'] as const).filter((k) => c[k] === undefined).map((k) => ({ message: `missing required option '${k}'` }));
    }),
  )
  .meta({ id: 'hanode-rule-condition' });

const CRON_NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];

/** A cron expression: 5 fields, or 6 with seconds first; checked the way the scheduler reads it. */
export const cron = z
  .string()
  .superRefine((expr, ctx) => {
    const text = expr.trim();
    if (CRON_NICKNAMES.includes(text)) return;
    const fields = text.split(/\s+/);
    if (fields.length !== 5 && fields.length !== 6) {
      ctx.addIssue({ code: 'custom', message: `expected a cron expression with 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields.length}` });
      return;
    }
    const odd = fields.find((f) => !/^[0-9A-Za-z*?,/#-]+$/.test(f));
    if (odd) {
      ctx.addIssue({ code: 'custom', message: `unexpected character in cron field '${odd}'` });
      return;
    }
    try {
      const job = new Cron(text, { paused: true });
      const next = job.nextRun();
      job.stop();
      if (!next) ctx.addIssue({ code: 'custom', message: `cron expression ${show(expr)} never fires` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}` });
    }
  })
  .describe('Cron expression: minute hour day month weekday (a 6th leading field is seconds)')
  .meta({ examples: ['30 14 * * *', '0 */5 * * * *'] });

const qos = z.literal([0, 1, 2]);

/** `set: {output, value}`. */
export const setAction = z
  .strictObject({
    output: schemeRef('an output').describe('The output to set: a local id, or NODE/SCHEME').meta({ examples: ['kitchen-fan'] }),
    value: z.unknown().describe('What to send, as on the set topic: ON, OFF, TOGGLE, a number, text or JSON').meta({ examples: ['ON'] }),
  })
  .describe('Set an output, local or on another node');

/** `publish: {topic, payload, retain?, qos?}`. */
export const publishAction = z
  .strictObject({
    topic: z
      .string()
      .min(1)
      .refine((t) => !/[+#]/.test(t), { message: 'expected a topic without the wildcards + and #' })
      .meta({ examples: ['han/hall-pi/hall-display/set'] }),
    payload: z
      .unknown()
      .superRefine((payload, ctx) => {
        for (const p of jsonTemplateProblems(payload)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
      })
      .describe('Text, a number, or a mapping sent as JSON; strings may be templates such as "{{ kitchen-climate.temperature | round: 1 }}"'),
    retain: z.boolean().optional(),
    qos: qos.optional(),
  })
  .describe('Publish an MQTT message');

/** `notify: {bridge, …}`. */
export const notifyAction = z
  .looseObject({ bridge: z.string().regex(SCHEME_ID, 'expected the id of a bridge in hanode.yaml') })
  .describe('Send a message through a bridge; the other options go to the bridge');

/** An MQTT topic a fact is read from: one topic, so no wildcards. */
const factTopic = z
  .string()
  .min(1)
  .max(MAX_FACT_TOPIC_CHARS, `expected a topic of at most ${MAX_FACT_TOPIC_CHARS} characters`)
  .refine((t) => !/[+#]/.test(t), { message: 'expected one topic, without the wildcards + and #: each fact is one topic' })
  .meta({ examples: ['zigbee2mqtt/hall_sensor', 'tele/plug-1/SENSOR', 'esphome-porch/sensor/porch_temperature/state'] });

/** One entry of `facts:`: a topic, or a topic with a JSONPath into its payload and the payload's format. */
export const externalFact = z
  .union([
    factTopic,
    z.strictObject({
      topic: factTopic,
      path: z.string().regex(/^\$/, 'expected a JSONPath such as $.ENERGY.Power').optional().describe('Where in the JSON payload the fact\'s value is; the whole payload when left out'),
      format: z.enum(['json', 'text']).default('json').describe('json: the payload must be JSON (a number is JSON); text: taken as it is, e.g. ON from ESPHome'),
    }),
  ])
  .transform((f) => (typeof f === 'string' ? { topic: f, format: 'json' as const } : f))
  .describe('A fact from any MQTT topic: ESPHome, Tasmota, Zigbee2MQTT, another program');

/** `facts:` of a rule: names for facts read from other MQTT topics. */
const externalFacts = z.record(z.string(), externalFact).superRefine((facts, ctx) => {
  const names = Object.keys(facts);
  for (const name of names.filter((n) => !SCHEME_ID.test(n))) {
    ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is not a fact name: expected lower-case letters, digits and dashes` });
  }
  if (names.length > MAX_EXTERNAL_FACTS) ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_EXTERNAL_FACTS} facts in a rule, got ${names.length}` });
});

const ACTIONS = ['set', 'publish', 'notify'] as const;

/** One entry of `then:` or `else:`: exactly one of set, publish, notify. */
export const action = z
  .strictObject({ set: setAction.optional(), publish: publishAction.optional(), notify: notifyAction.optional() })
  .check(
    objectCheck<Record<string, unknown>>((a) => {
      const found = ACTIONS.filter((k) => a[k] !== undefined);
      if (found.length === 0) return [{ message: `expected an action: set, publish or notify` }];
      if (found.length > 1) return [{ message: `expected one action per entry, got ${found.join(' and ')}; give each its own entry` }];
      return [];
    }),
  )
  .meta({ id: 'hanode-rule-action', minProperties: 1, maxProperties: 1 });

/** A `then:` or `else:` list. */
const actions = z.array(action).min(1);

/** json-rules-engine wants all/any/not at the top; a single test is wrapped in `all`. */
const topCondition = condition.transform((c): Condition => (c.fact !== undefined ? { all: [c] } : c));

/** One entry of `rules:` (README "Scheme files"). */
export const ruleSchema = z
  .strictObject({
    id: z.string().regex(SCHEME_ID, 'expected lower-case letters, digits and dashes, starting with a letter or digit').describe('Unique rule id; firings go to B/N/$rules/<id>').meta({ examples: ['fan-when-hot'] }),
    facts: externalFacts.optional().describe('Facts from other MQTT topics, by the name the conditions and templates use: { hall-z2m: zigbee2mqtt/hall_sensor }'),
    when: topCondition.optional().describe('json-rules-engine conditions: all / any / not, and {fact, path, operator, value} tests'),
    for: duration('The condition must hold this long before then runs').optional().meta({ examples: ['10s'] }),
    schedule: cron.optional(),
    every: duration('Run this often').refine((ms) => ms > 0, { message: 'expected a duration longer than 0' }).optional().meta({ examples: ['2s'] }),
    then: actions.describe('Actions to run when the condition becomes true, or at each schedule tick'),
    else: actions.optional().describe('Actions to run when the condition stops holding'),
    enabled: z.boolean().default(true).describe('false keeps the rule but never runs it'),
  })
  .check(
    objectCheck<Record<string, unknown>>((r) => {
      const out: { path?: Path; message: string }[] = [];
      if (r.when === undefined && r.schedule === undefined && r.every === undefined) out.push({ message: "a rule needs 'when', 'schedule' or 'every' to say when it runs" });
      if (r.schedule !== undefined && r.every !== undefined) out.push({ path: ['every'], message: "use either 'schedule' or 'every', not both" });
      if (r.for !== undefined && r.when === undefined) out.push({ path: ['for'], message: "'for' needs a 'when' condition to hold" });
      if (r.else !== undefined && r.when === undefined) out.push({ path: ['else'], message: "'else' runs when a 'when' condition stops holding, and this rule has no 'when'" });
      return out;
    }),
  )
  // The same "needs when, schedule or every" for editors, which only see the JSON Schema.
  .meta({ anyOf: [{ required: ['when'] }, { required: ['schedule'] }, { required: ['every'] }] });

/** A parsed rule: durations in ms, `when` always rooted at all/any/not. */
export type Rule = z.output<typeof ruleSchema>;
/** A parsed action: `{ set }`, `{ publish }` or `{ notify }`. */
export type Action = z.output<typeof action>;
