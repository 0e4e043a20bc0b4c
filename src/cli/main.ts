/** The `hanode` command line (README "The command line"). */
import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { loadConfig, ConfigError, hardwareModes, type Overrides } from '../config/config.js';
import { createLogger } from '../core/log.js';
import { version } from '../version.js';

// zod compiles a parser for each object schema the first time it checks a value with it. A node
// checks most of its schemas once, at start-up (the config, each driver's options), where the
// compiling cost more than it saved: 500 schemes were checked 20-70 ms sooner without it.
z.config({ jitless: true });

const program = new Command('hanode')
  .description('Makes a Raspberry Pi\'s hardware speak MQTT, driven by YAML scheme files')
  .version(version)
  .showHelpAfterError()
  // `fleet` and its subcommands share option names (--mqtt, -c): each belongs to the command it follows.
  .enablePositionalOptions()
  .exitOverride();

program
  .command('run')
  .description('run the agent: ./hanode.yaml if present, otherwise the defaults')
  .option('-c, --config <file>', 'node config file (default ./hanode.yaml when present)')
  .option('--schemes <dir>', 'schemes directory (default ./schemes)')
  .option('--data <dir>', 'state and outbox directory (default ./data)')
  .addOption(new Option('--hardware <mode>', 'hardware backend').choices(hardwareModes))
  .option('--mqtt <url>', 'broker URL; without one, a broker on localhost is used or the embedded one started')
  .option('--node <id>', 'node id (default: the hostname)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug or trace')
  .action(async (opts: Overrides) => {
    const { runAgent } = await import('./run.js');
    await runAgent(opts);
  });

program
  .command('scan')
  .description('list the hardware the OS shows: gpiochips, I2C buses and answering addresses, SPI, 1-wire, system')
  .option('--json', 'print JSON')
  .addOption(new Option('--hardware <mode>', 'hardware backend').choices(hardwareModes).default('auto'))
  .option('--write <dir>', 'draft scheme files for what was found (never overwrites)')
  .option('--roots <dir>', 'read <dir>/sys, <dir>/dev and <dir>/proc instead of /sys, /dev and /proc (a copied tree)')
  .action(async (opts: { json?: boolean; hardware: 'auto' | 'linux' | 'sim'; write?: string; roots?: string }) => {
    const { scanCommand } = await import('./scan.js');
    process.exitCode = await scanCommand(opts);
  });

program
  .command('validate')
  .description('check scheme files; prints FILE:LINE:COL: message per problem, exits 1 on any')
  .argument('[paths...]', 'files or directories (default: the schemes directory)')
  .option('-c, --config <file>', 'node config file, for its schemes directory')
  .action(async (paths: string[], opts: { config?: string }) => {
    const { validateCommand } = await import('./validate.js');
    process.exitCode = await validateCommand(paths, opts);
  });

/** Every built-in driver, loaded, plus the plugins of the config file (`-c`, or ./hanode.yaml when present). */
async function registry(configFile?: string) {
  const { registryFor } = await import('./registry.js');
  const { registry, problems } = await registryFor(await loadConfig({ config: configFile }));
  await registry.loadAll();
  for (const p of problems) process.stderr.write(p + '\n');
  for (const direction of ['input', 'output'] as const) {
    for (const name of registry.names(direction)) {
      const failure = registry.failure(direction, name);
      if (failure) process.stderr.write(`the ${name} driver could not be loaded: ${failure.message.split('\n')[0]}\n`);
    }
  }
  return registry;
}

program
  .command('schema')
  .description('print the JSON Schema of scheme files (for yaml-language-server)')
  .option('-c, --config <file>', 'node config file, for its plugins')
  .action(async (opts: { config?: string }) => {
    const { schemeJsonSchema } = await import('../schemes/json-schema.js');
    process.stdout.write(JSON.stringify(schemeJsonSchema(await registry(opts.config)), null, 2) + '\n');
  });

program
  .command('drivers')
  .description('the driver catalogue: name, direction, options and published fields')
  .option('--json', 'print JSON')
  .option('-c, --config <file>', 'node config file, for its plugins')
  .action(async (opts: { json?: boolean; config?: string }) => {
    const { driversCommand } = await import('./drivers.js');
    driversCommand(await registry(opts.config), opts);
  });

const fleet = program
  .command('fleet')
  .description('list the hanode nodes on the broker, from their retained status and $info; or ask them (request) or clear a retired one (purge)')
  .option('--mqtt <url>', 'broker URL (default: the config\'s, else mqtt://127.0.0.1:1883)')
  .option('-c, --config <file>', 'node config file, for the broker, credentials and base topic')
  .option('--wait <duration>', 'how long to collect retained messages', '1s')
  .option('--json', 'print JSON')
  .action(async (opts: { mqtt?: string; config?: string; wait?: string; json?: boolean }) => {
    const { fleetCommand } = await import('./fleet.js');
    process.exitCode = await fleetCommand(opts);
  });

fleet
  .command('request')
  .description('send a $request to one node or to all and print the answers; exits 1 unless every node asked answered ok')
  .argument('<op>', 'the operation: health, schemes, read, log_level, scheme/get, backup, …')
  .argument('[json]', 'its arguments as a JSON object, e.g. \'{"id":"kitchen-fan"}\'')
  .option('--node <id>', 'the node to ask')
  .option('--all', 'ask every node seen on the broker')
  .option('--timeout <duration>', 'how long to wait for the answers', '5s')
  .option('--mqtt <url>', 'broker URL (default: the config\'s, else mqtt://127.0.0.1:1883)')
  .option('-c, --config <file>', 'node config file, for the broker, credentials and base topic')
  .option('--json', 'print JSON')
  .action(async (op: string, json: string | undefined, opts: { node?: string; all?: boolean; timeout?: string; mqtt?: string; config?: string; json?: boolean }) => {
    const { fleetRequestCommand } = await import('./fleet-ops.js');
    process.exitCode = await fleetRequestCommand(op, json, opts);
  });

fleet
  .command('purge')
  .description("clear a retired node's retained topics (state, availability, status, $info) and its Home Assistant discovery configs")
  .argument('<node>', 'the node id')
  .option('--dry-run', 'list what would be cleared')
  .option('--force', 'clear even though the node says it is online')
  .option('--wait <duration>', 'how long to collect retained messages', '2s')
  .option('--mqtt <url>', 'broker URL (default: the config\'s, else mqtt://127.0.0.1:1883)')
  .option('-c, --config <file>', 'node config file, for the broker, credentials, base topic and discovery prefix')
  .option('--json', 'print JSON')
  .action(async (node: string, opts: { dryRun?: boolean; force?: boolean; wait?: string; mqtt?: string; config?: string; json?: boolean }) => {
    const { fleetPurgeCommand } = await import('./fleet-ops.js');
    process.exitCode = await fleetPurgeCommand(node, opts);
  });

program
  .command('doctor')
  .description('check this Pi for hanode: Node version, groups, interfaces, broker, node id, data directory, schemes, clock, service; exits 1 on any fail')
  .option('-c, --config <file>', 'node config file (default ./hanode.yaml when present)')
  .option('--mqtt <url>', 'broker URL to check instead of the config\'s')
  .option('--user <name>', 'account whose groups to check (default: the service\'s User=, else you)')
  .option('--root <dir>', 'read <dir>/etc, <dir>/dev, <dir>/sys, <dir>/boot and <dir>/run instead of the real ones (a copied tree)')
  .option('--json', 'print JSON')
  .action(async (opts: { config?: string; mqtt?: string; user?: string; root?: string; json?: boolean }) => {
    const { doctorCommand } = await import('./doctor.js');
    process.exitCode = await doctorCommand(opts);
  });

const service = program.command('service').description('run hanode as a systemd service');

service
  .command('install')
  .description('print the systemd unit for `hanode run` in this directory, or write it with --write (root)')
  .option('--write', 'write /etc/systemd/system/hanode.service (needs root)')
  .option('--force', 'with --write: replace a different existing unit')
  .option('--user <name>', 'account to run as (default: the sudo caller or the current user)')
  .option('-c, --config <file>', 'node config file to pass to hanode run')
  .action(async (opts: { write?: boolean; force?: boolean; user?: string; config?: string }) => {
    const { serviceInstall } = await import('./service.js');
    process.exitCode = await serviceInstall(opts);
  });

service
  .command('uninstall')
  .description('stop and disable the service, remove its unit and reload systemd (root); does nothing when it is not installed')
  .option('--dry-run', 'print the steps without doing them')
  .action(async (opts: { dryRun?: boolean }) => {
    const { serviceUninstall } = await import('./service.js');
    process.exitCode = await serviceUninstall(opts);
  });

export async function main(argv: string[]): Promise<void> {
  // `hanode drivers | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors (unknown flag, bad argument, no command) exit 2.
      // Commander's own exit code tells them apart: `hanode` alone prints the help as an error.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(line + '\n');
      process.exitCode = 1;
      return;
    }
    // stderr, so a failing `scan --json` or `schema` never mixes a log line into its output.
    createLogger('error', { stderr: true }).fatal({ err }, (err as Error).message);
    process.exitCode = 1;
  }
}
