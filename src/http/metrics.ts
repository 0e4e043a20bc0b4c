/**
 * Prometheus text exposition (format 0.0.4) for `GET /metrics`. Every part of the node that has
 * figures registers a family with a `collect` function, read at scrape time, so nothing is counted
 * twice and a service added later (the gateway's devices, say) only calls {@link Metrics.register}.
 */

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** Must start with `hanode_`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  collect(): Sample[];
}

/** A counter kept here, for figures nothing else keeps (failed auth, hook errors). */
export class Counter {
  readonly #values = new Map<string, { labels?: Record<string, string>; value: number }>();

  inc(labels?: Record<string, string>, by = 1): void {
    const key = labels ? JSON.stringify(labels) : '';
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  get(labels?: Record<string, string>): number {
    return this.#values.get(labels ? JSON.stringify(labels) : '')?.value ?? 0;
  }

  samples(): Sample[] {
    return [...this.#values.values()];
  }
}

const NAME = /^hanode_[a-z0-9_]+$/;

export class Metrics {
  readonly #families = new Map<string, MetricFamily>();

  /** Adds a family; a second family of the same name replaces the first (a service restarted). */
  register(family: MetricFamily): void {
    if (!NAME.test(family.name)) throw new Error(`metric name '${family.name}': expected hanode_ followed by lower-case letters, digits and _`);
    this.#families.set(family.name, family);
  }

  /** A counter registered under `name`. */
  counter(name: string, help: string): Counter {
    const counter = new Counter();
    this.register({ name, help, type: 'counter', collect: () => counter.samples() });
    return counter;
  }

  unregister(name: string): void {
    this.#families.delete(name);
  }

  /** The exposition text; a family whose collect throws is left out, the rest are served. */
  render(): string {
    const out: string[] = [];
    for (const f of this.#families.values()) {
      let samples: Sample[];
      try {
        samples = f.collect();
      } catch {
        continue;
      }
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of samples) out.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
    return out.join('\n') + '\n';
  }
}

function labelText(labels?: Record<string, string>): string {
  if (!labels || !Object.keys(labels).length) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
