/**
 * The schema of one `bridges:` entry (README "Bridges"), one strict object per type built from shared
 * pieces. Templates are checked here, so a bad one is reported at its own line and column; files
 * (ca, cert, key) are checked by the validation pass, which knows the config's directory.
 */
import { z } from 'zod';
import { duration } from '../schemes/pieces.js';
import { hideCredentials } from '../core/redact.js';
import { payloadTemplateProblem, topicTemplateProblem } from './template.js';
import { once } from '../core/once.js';

export const BRIDGE_TYPES = ['mqtt', 'aws-iot', 'azure-iot-hub', 'adafruit-io', 'thingspeak', 'webhook'] as const;
export type BridgeType = (typeof BRIDGE_TYPES)[number];

export const BRIDGE_ID = /^[a-z0-9][a-z0-9-]*$/;

/** `100/s`, `30/min`, `2/h`, or a number per second. Parsed to messages per second. */
export const RATE_PATTERN = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/;
export function parseRate(v: number | string): number {
  if (typeof v === 'number') return v;
  const [, n, unit] = RATE_PATTERN.exec(v.trim())!;
  return Number(n) / (unit.startsWith('h') ? 3600 : unit.startsWith('m') ? 60 : 1);
}
/** Placeholders every forward topic template may use. */
export const TOPIC_VARS = ['node', 'id', 'base'] as const;

/** Every bridge type's schema, built the first time a config has a bridge (core/once.ts). */
export const bridgeSchemas = once(buildSchemas);

function buildSchemas() {
  // YAML reads `password: 123456` as a number; `${VAR}` gives digits as text. Take both as meant.
  const text = <T extends z.ZodType<string>>(inner: T) => z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), inner);
  const digits = <T extends z.ZodType<number>>(inner: T) => z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), inner);
  const custom = (check: (v: string) => string | undefined) =>
    z.string().superRefine((v, ctx) => {
      const problem = check(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

  const rate = (dflt: string) =>
    z
      .union([z.number().positive(), z.string().regex(RATE_PATTERN, 'expected a rate such as 50/s, 30/min or 2/h')])
      .default(dflt)
      .transform(parseRate)
      .describe('At most this many messages toward the remote, e.g. 50/s or 30/min')
      .meta({ examples: [dflt] });

  const FILTER_LEVEL = /^(\+|#|[^+#]*)$/;
  function filterProblem(f: string): string | undefined {
    if (!f) return 'expected a topic filter';
    const levels = f.split('/');
    if (levels.some((l) => !FILTER_LEVEL.test(l))) return `'${f}' is not a valid topic filter: + and # stand alone in a level`;
    if (levels.slice(0, -1).includes('#')) return `'${f}' is not a valid topic filter: # must be the last level`;
    return undefined;
  }
  const filter = custom(filterProblem).describe('An MQTT topic filter; + matches one level, # the rest');
  const plainTopic = custom((t) => (!t ? 'expected a topic' : /[+#]/.test(t) ? 'a topic to publish to cannot hold the wildcards + or #' : undefined));
  const topicTemplate = (vars: readonly string[]) => custom((t) => topicTemplateProblem(t, vars));
  const payloadTemplate = custom(payloadTemplateProblem).describe('Payload template: {{field}}, {{node}}, {{id}}, {{ts}}; the whole JSON when left out');

  function urlCheck(schemes: RegExp, example: string) {
    return (u: string) => {
      const shown = `'${hideCredentials(u)}'`;
      if (!schemes.test(u)) return `expected a URL such as ${example}, got ${shown}`;
      try {
        if (!new URL(u).hostname) return `${shown} has no host`;
      } catch {
        return `${shown} is not a valid URL`;
      }
      return undefined;
    };
  }
  const brokerUrl = text(custom(urlCheck(/^(mqtts?|wss?|tcp|ssl):\/\//i, 'mqtts://broker.example:8883'))).describe('The remote broker');
  const httpUrl = text(custom(urlCheck(/^https?:\/\//i, 'https://example.com/hook')));

  const tlsFiles = {
    ca: text(z.string().min(1)).optional().describe('CA certificate file (PEM) the remote is checked against'),
    cert: text(z.string().min(1)).optional().describe('Client certificate file (PEM), for mutual TLS'),
    key: text(z.string().min(1)).optional().describe('Client private key file (PEM), for mutual TLS'),
  };

  const protocolVersion = z
    .union([z.literal(4), z.literal(5), z.literal('3.1.1'), z.literal('5')])
    .default(5)
    .transform((v): 4 | 5 => (v === 5 || v === '5' ? 5 : 4))
    .describe('MQTT 5, or 3.1.1 (4); 5 falls back to 3.1.1 when the remote refuses it');

  const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);

  function common<T extends BridgeType>(type: T) {
    return {
      id: text(z.string().regex(BRIDGE_ID, 'expected lower-case letters, digits and dashes, starting with a letter or digit')).describe(
        'Unique bridge id: the status topic, the backlog file and the notify action name it',
      ),
      type: z.literal(type),
      enabled: z.boolean().default(true).describe('false keeps the bridge in the file but does not run it'),
      backlog: z
        .strictObject({
          max_messages: digits(z.number().int().positive()).default(100_000),
          max_bytes: digits(z.number().int().positive()).default(64 * 1024 * 1024),
        })
        .default({ max_messages: 100_000, max_bytes: 64 * 1024 * 1024 })
        .describe('Bounds of the disk backlog kept while the remote is away; the oldest go first past them'),
      retry: z
        .strictObject({ min: duration('First retry delay').default(1_000), max: duration('Longest retry delay').default(300_000) })
        .default({ min: 1_000, max: 300_000 })
        .describe('Backoff after a failed delivery'),
    };
  }


  const receive = z.strictObject({
    from: filter.describe('Remote topic filter'),
    to: plainTopic.describe('Local topic the message is published on'),
    qos: qos.default(1),
    retain: z.boolean().default(false),
  });

  const mqttBridge = z.strictObject({
    ...common('mqtt'),
    rate: rate('50/s'),
    url: brokerUrl,
    username: text(z.string()).optional(),
    password: text(z.string()).optional().describe('Use !secret or ${ENV}; never logged'),
    client_id: text(z.string().min(1)).optional().describe('Default hanode-<node>-<bridge id>'),
    ...tlsFiles,
    protocol_version: protocolVersion,
    keepalive: digits(z.number().int().positive()).default(60),
    forward: z
      .array(
        z.strictObject({
          from: filter.describe('Local topic filter'),
          to: topicTemplate(TOPIC_VARS).describe('Remote topic: {node} and {id} come from the local B/N/S topic'),
          payload: payloadTemplate.optional(),
          qos: qos.default(1),
          retain: z.boolean().default(false),
        }),
      )
      .default([]),
    receive: z.array(receive).default([]),
    notify_topic: topicTemplate(TOPIC_VARS).optional().describe('Where notify actions go unless they name a topic'),
  });

  const awsIotBridge = z.strictObject({
    ...common('aws-iot'),
    rate: rate('50/s'),
    endpoint: text(z.string().min(1)).optional().describe('The account endpoint, e.g. abc123-ats.iot.eu-west-1.amazonaws.com'),
    url: brokerUrl.optional().describe('Instead of endpoint: the whole URL (tests, a custom domain)'),
    thing_name: text(z.string().regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'expected a thing name: letters, digits, : _ and -')).describe('Also the MQTT client id'),
    ca: tlsFiles.ca,
    cert: text(z.string().min(1)).describe('Device certificate (PEM): AWS IoT requires mutual TLS'),
    key: text(z.string().min(1)).describe('Device private key (PEM)'),
    protocol_version: protocolVersion,
    keepalive: digits(z.number().int().min(30).max(1200)).default(60),
    shadow: z.boolean().default(false).describe('Also report each forwarded state in the classic device shadow, keyed by scheme id'),
    forward: z
      .array(
        z.strictObject({
          from: filter,
          to: topicTemplate([...TOPIC_VARS, 'thing']).optional().describe('Topic for your topic rules; leave out to update only the shadow'),
          payload: payloadTemplate.optional(),
          qos: z.union([z.literal(0), z.literal(1)]).default(1),
        }),
      )
      .default([]),
    receive: z.array(receive.extend({ qos: z.union([z.literal(0), z.literal(1)]).default(1) })).default([]),
    notify_topic: topicTemplate([...TOPIC_VARS, 'thing']).optional(),
  });

  const azureIotHubBridge = z.strictObject({
    ...common('azure-iot-hub'),
    rate: rate('50/s'),
    connection_string: text(custom(connectionStringProblem)).describe('The device connection string HostName=…;DeviceId=…;SharedAccessKey=…; use !secret'),
    url: brokerUrl.optional().describe('Default mqtts://<HostName>:8883'),
    ca: tlsFiles.ca,
    protocol_version: z
      .union([z.literal(4), z.literal('3.1.1')])
      .default(4)
      .transform((): 4 => 4)
      .describe('IoT Hub speaks MQTT 3.1.1 only'),
    token_ttl: duration('How long each SAS token is valid; it is renewed at 80% of this').default(3_600_000),
    keepalive: digits(z.number().int().positive().max(1177)).default(60),
    forward: z.array(z.strictObject({ from: filter, payload: payloadTemplate.optional() })).default([]),
    receive: z
      .array(
        z.strictObject({
          from: filter.optional().describe('Filter on devices/<id>/messages/devicebound/<properties>; default all'),
          to: plainTopic,
          qos: z.union([z.literal(0), z.literal(1)]).default(1),
          retain: z.boolean().default(false),
        }),
      )
      .default([]),
  });

  const FEED = /^[a-z0-9-]+(\.[a-z0-9-]+)?$/;
  const feedTemplate = custom((t) => topicTemplateProblem(t, TOPIC_VARS) ?? (/^([a-z0-9.-]|\{[a-z]+\})+$/.test(t) ? undefined : `'${t}' is not a feed key: lower-case letters, digits, dashes (group.feed for a group)`));

  const adafruitIoBridge = z.strictObject({
    ...common('adafruit-io'),
    rate: rate('30/min'),
    user: text(z.string().min(1)).describe('Adafruit IO user name'),
    key: text(z.string().min(1)).describe('Adafruit IO key (aio_…); use !secret'),
    url: brokerUrl.default('mqtts://io.adafruit.com:8883'),
    ca: tlsFiles.ca,
    forward: z.array(z.strictObject({ from: filter, feed: feedTemplate.describe('Feed key; {node} and {id} allowed'), payload: payloadTemplate.optional() })).default([]),
    receive: z
      .array(z.strictObject({ feed: text(z.string().regex(FEED, 'expected a feed key')), to: plainTopic, retain: z.boolean().default(false) }))
      .default([]),
    notify_feed: feedTemplate.optional(),
  });

  const THINGSPEAK_FIELDS = ['field1', 'field2', 'field3', 'field4', 'field5', 'field6', 'field7', 'field8', 'status', 'latitude', 'longitude', 'elevation'];
  const fieldMap = z.record(z.string(), z.string()).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      if (!THINGSPEAK_FIELDS.includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: `'${k}' is not a ThingSpeak field; expected field1 … field8, status, latitude, longitude or elevation` });
      else if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(v)) ctx.addIssue({ code: 'custom', path: [k], message: `'${v}' is not a hanode field; expected a name or dotted path such as temperature` });
    }
    if (!Object.keys(m).length) ctx.addIssue({ code: 'custom', message: 'expected at least one field, e.g. field1: temperature' });
  });

  const thingspeakBridge = z.strictObject({
    ...common('thingspeak'),
    channel: digits(z.number().int().positive()).describe('Channel id'),
    mode: z.enum(['http', 'mqtt']).default('http'),
    url: text(z.string()).optional().describe('Default https://api.thingspeak.com/update (http) or mqtts://mqtt3.thingspeak.com:8883 (mqtt)'),
    api_key: text(z.string().min(1)).optional().describe('Write API key (http); use !secret'),
    client_id: text(z.string().min(1)).optional().describe('MQTT device credentials (mqtt)'),
    username: text(z.string().min(1)).optional(),
    password: text(z.string().min(1)).optional(),
    ca: tlsFiles.ca,
    interval: duration('Shortest time between two updates: 15s on a free account').default(15_000),
    forward: z.array(z.strictObject({ from: filter, fields: fieldMap.describe('ThingSpeak field → hanode field') })).default([]),
  });

  const webhookBridge = z.strictObject({
    ...common('webhook'),
    rate: rate('10/s'),
    url: httpUrl.describe('Where to send; the query string is never logged'),
    method: z.enum(['POST', 'PUT']).default('POST'),
    headers: z.record(z.string(), text(z.string())).default({}).describe('Extra headers; their values are never logged'),
    body: payloadTemplate.optional().describe('Body template; the whole JSON when left out'),
    timeout: duration('How long to wait for an answer').default(10_000),
    forward: z.array(z.strictObject({ from: filter, body: payloadTemplate.optional() })).default([]),
  });

  return {
    mqtt: mqttBridge,
    'aws-iot': awsIotBridge,
    'azure-iot-hub': azureIotHubBridge,
    'adafruit-io': adafruitIoBridge,
    thingspeak: thingspeakBridge,
    webhook: webhookBridge,
  } satisfies Record<BridgeType, z.ZodType>;
}

type Schemas = ReturnType<typeof buildSchemas>;
export type MqttBridgeConfig = z.output<Schemas['mqtt']>;
export type AwsIotBridgeConfig = z.output<Schemas['aws-iot']>;
export type AzureIotHubBridgeConfig = z.output<Schemas['azure-iot-hub']>;
export type AdafruitIoBridgeConfig = z.output<Schemas['adafruit-io']>;
export type ThingspeakBridgeConfig = z.output<Schemas['thingspeak']>;
export type WebhookBridgeConfig = z.output<Schemas['webhook']>;
/** One validated bridge; file paths are absolute. */
export type BridgeConfig = AzureIotHubBridgeConfig | MqttBridgeConfig | AwsIotBridgeConfig | AdafruitIoBridgeConfig | ThingspeakBridgeConfig | WebhookBridgeConfig;

/** `HostName=…;DeviceId=…;SharedAccessKey=…` parsed, or a problem that never repeats the key. */
export function parseConnectionString(s: string): { hostName: string; deviceId: string; key: string } | string {
  const parts = new Map<string, string>();
  for (const item of s.split(';')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const missing = ['HostName', 'DeviceId', 'SharedAccessKey'].filter((k) => !parts.get(k));
  if (missing.length) return `expected a device connection string HostName=…;DeviceId=…;SharedAccessKey=…; ${missing.join(', ')} missing`;
  const key = parts.get('SharedAccessKey')!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return 'SharedAccessKey is not base64';
  return { hostName: parts.get('HostName')!, deviceId: parts.get('DeviceId')!, key };
}

function connectionStringProblem(s: string): string | undefined {
  const parsed = parseConnectionString(s);
  return typeof parsed === 'string' ? parsed : undefined;
}
