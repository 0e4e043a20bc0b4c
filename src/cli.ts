/** The `hanode` command line (CONTRACT §1). */
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, ConfigError, hardwareModes, type Overrides } from './config/config.js';
import { createLogger } from './core/log.js';
import { version } from './version.js';

const program = new Command('hanode')
  .description('Makes a Raspberry Pi\'s hardware speak MQTT, driven by YAML scheme files')
  .version(version)
  .showHelpAfterError()
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
    const { runAgent } = await import('./commands/run.js');
    await runAgent(opts);
  });

program
  .command('scan')
  .description('list the hardware the OS shows: gpiochips, I2C buses and answering addresses, SPI, 1-wire, system')
  .option('--json', 'print JSON')
  .addOption(new Option('--hardware <mode>', 'hardware backend').choices(hardwareModes).default('auto'))
  .option('--write <dir>', 'draft scheme files for what was found (never overwrites)')
  .action(async (opts: { json?: boolean; hardware: 'auto' | 'linux' | 'sim'; write?: string }) => {
    const { scanCommand } = await import('./commands/scan.js');
    process.exitCode = await scanCommand(opts);
  });

program
  .command('validate')
  .description('check scheme files; prints FILE:LINE:COL: message per problem, exits 1 on any')
  .argument('[paths...]', 'files or directories (default: the schemes directory)')
  .option('-c, --config <file>', 'node config file, for its schemes directory')
  .action(async (paths: string[], opts: { config?: string }) => {
    const { validateCommand } = await import('./commands/validate.js');
    process.exitCode = await validateCommand(paths, opts);
  });

/** The built-in drivers plus the plugins of the config file (`-c`, or ./hanode.yaml when present). */
async function registry(configFile?: string) {
  const { registryFor } = await import('./commands/registry.js');
  const { registry, problems } = await registryFor(await loadConfig({ config: configFile }));
  for (const p of problems) process.stderr.write(p + '\n');
  return registry;
}

program
  .command('schema')
  .description('print the JSON Schema of scheme files (for yaml-language-server)')
  .option('-c, --config <file>', 'node config file, for its plugins')
  .action(async (opts: { config?: string }) => {
    const { schemeJsonSchema } = await import('./schemes/json-schema.js');
    process.stdout.write(JSON.stringify(schemeJsonSchema(await registry(opts.config)), null, 2) + '\n');
  });

program
  .command('drivers')
  .description('the driver catalogue: name, direction, options and published fields')
  .option('--json', 'print JSON')
  .option('-c, --config <file>', 'node config file, for its plugins')
  .action(async (opts: { json?: boolean; config?: string }) => {
    const { driversCommand } = await import('./commands/drivers.js');
    driversCommand(await registry(opts.config), opts);
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
