/**
 * Hot reload: watches the schemes directory and asks for a reload when a scheme file is added,
 * changed or removed, or when the secrets.yaml their `!secret` values come from changes. Editors save in bursts (temp file, rename, chmod), so changes are gathered
 * for `debounceMs` and applied once.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { Service } from '../core/service.js';
import type { EventBus } from '../core/bus.js';

const SCHEME_FILE = /\.ya?ml$/i;

export class SchemeWatcher implements Service {
  readonly name = 'watcher';
  #watcher?: FSWatcher;
  #secrets?: FSWatcher;
  #timer?: NodeJS.Timeout;
  readonly #changed = new Set<string>();

  constructor(
    private readonly opts: {
      dir: string;
      log: Logger;
      debounceMs?: number;
      onChange: (files: string[]) => Promise<unknown>;
      /** hanode.yaml: its options need a restart, so a change to it is only reported (log and `$error`). */
      configFile?: string;
      /** The secrets.yaml that `!secret` in scheme files reads: a change to it reloads the schemes. */
      secretsFile?: string;
      bus?: EventBus;
    },
  ) {}

  /** Watches; a directory that cannot be watched is logged, never thrown: the node runs on without hot reload. */
  async start(): Promise<void> {
    await this.#watch().catch((err) => this.opts.log.warn(`schemes: cannot watch ${this.opts.dir}: ${(err as Error).message}`));
  }

  async #watch(): Promise<void> {
    const { dir, log } = this.opts;
    const watcher = watch(dir, { ignoreInitial: true, persistent: true, ignored: (path, stats) => Boolean(stats?.isFile() && !SCHEME_FILE.test(path)) });
    this.#watcher = watcher;
    const note = (event: string) => (path: string) => {
      if (!SCHEME_FILE.test(path) || path === this.opts.configFile) return;
      log.debug(`schemes: ${event} ${path}`);
      this.#changed.add(path);
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#flush(), this.opts.debounceMs ?? 200);
    };
    watcher.on('add', note('added')).on('change', note('changed')).on('unlink', note('removed'));
    if (this.opts.configFile) {
      watcher.add(this.opts.configFile);
      watcher.on('change', (path) => path === this.opts.configFile && this.#configChanged(path));
    }
    watcher.on('error', (err) => log.warn(`schemes: watching ${dir} failed: ${(err as Error).message}`));
    const ready = [new Promise<void>((resolve) => watcher.once('ready', () => resolve()))];
    if (this.opts.secretsFile) {
      // A watcher of its own: added to the directory's, a file that does not exist yet would stop
      // the directory's events. Its changes count as a scheme file's: the schemes that use a
      // secret get its new value.
      const secrets = watch(this.opts.secretsFile, { ignoreInitial: true, persistent: true });
      this.#secrets = secrets;
      secrets.on('all', (event, path) => (event === 'add' || event === 'change' || event === 'unlink') && note(`secrets ${event}`)(path));
      secrets.on('error', (err) => log.warn(`schemes: watching ${this.opts.secretsFile} failed: ${(err as Error).message}`));
      ready.push(new Promise<void>((resolve) => secrets.once('ready', () => resolve())));
    }
    await Promise.all(ready);
    log.info(`schemes: watching ${dir} for changes`);
  }

  #configChanged(file: string): void {
    const error = `${file} changed: its options (node, mqtt, broker, bridges, plugins, outbox, homeassistant, history, http, time) take effect after a restart of hanode`;
    // On the bus it reaches the log and `$error` through the publisher.
    if (this.opts.bus) this.opts.bus.emit('error', { topic: file, error });
    else this.opts.log.warn(error);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#watcher?.close();
    await this.#secrets?.close();
    this.#watcher = undefined;
    this.#secrets = undefined;
  }

  async #flush(): Promise<void> {
    const files = [...this.#changed];
    this.#changed.clear();
    try {
      await this.opts.onChange(files);
    } catch (err) {
      this.opts.log.error({ err }, 'schemes: reload failed');
    }
  }
}
