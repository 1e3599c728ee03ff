import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type ConfigFlags } from './config.js';
import { registerCallCommand } from './cli/call.js';
import { runChat } from './cli/chat.js';
import { runDev } from './cli/dev.js';
import { runKeysCreate, runKeysList, runKeysRevoke } from './cli/keys.js';
import { runMigrate } from './cli/migrate.js';
import { runServe } from './cli/serve.js';
import { VERSION } from './version.js';

/**
 * `unpod`: run and administer the Speech Stack. Every command takes `--data-dir` (default
 * `UNPOD_DATA_DIR`, else `./.unpod`) and `--database-url` (default `UNPOD_DATABASE_URL`, else an
 * SQLite file in the data dir).
 */
const program = new Command('unpod').description('Unpod Speech Stack: voice agents on real phone lines.').version(VERSION);

const storeOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'data directory (env UNPOD_DATA_DIR, default ./.unpod)'))
    .addOption(new Option('--database-url <url>', 'postgres://... or sqlite:PATH (env UNPOD_DATABASE_URL, default SQLite in the data dir)'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env UNPOD_LOG_LEVEL)'));

const serverOptions = (cmd: Command) =>
  storeOptions(cmd)
    .addOption(new Option('--port <port>', 'HTTP port, 0 = any free port (env UNPOD_PORT, default 7700)'))
    .addOption(new Option('--host <host>', 'address to bind (env UNPOD_HOST, default 127.0.0.1)'))
    .addOption(new Option('--public-url <url>', 'URL runners and clients use to reach this node (env UNPOD_PUBLIC_URL)'))
    .addOption(new Option('--node-id <id>', 'node identity in a cluster: letters, digits, _ . - (env UNPOD_NODE_ID, default <hostname>-<random>)'))
    .addOption(new Option('--redis-url <url>', 'redis://... to run as one of several nodes sharing runners; checked by /readyz (env UNPOD_REDIS_URL; needs PostgreSQL)'))
    .addOption(new Option('--sip-port <port>', 'SIP port for UDP and TCP, 0 = any free port, off = no SIP (env UNPOD_SIP_PORT, default 5060)'))
    .addOption(new Option('--rtp-ports <range>', 'RTP port range MIN-MAX (env UNPOD_RTP_PORTS, default 10000-20000)'))
    .addOption(new Option('--sip-host <address>', 'public address advertised in SIP and SDP (env UNPOD_SIP_ADDRESS)'))
    .addOption(new Option('--sip-bind <address>', 'address the SIP and RTP sockets bind to (env UNPOD_SIP_BIND, default --host)'))
    .addOption(new Option('--sip-answer-timeout <seconds>', 'outbound calls ring this long before giving up (env UNPOD_SIP_ANSWER_TIMEOUT_S, default 30)'));

serverOptions(program.command('serve').description('Run the server (REST API, orchestrator, bridge).')).action(async (flags: ConfigFlags) => {
  await runServe(loadConfig(flags));
});

serverOptions(program.command('dev').description('Run the server for development: ensures a "dev" space and prints an API key and URL.'))
  .option('--space <name>', 'space for the dev key', 'dev')
  .action(async (flags: ConfigFlags & { space: string }) => {
    await runDev(loadConfig(flags), flags.space);
  });

const keys = program.command('keys').description('Manage API keys.');
storeOptions(keys.command('create').description('Create an API key; the raw sk_... key is printed once.'))
  .requiredOption('--name <name>', 'a label for the key')
  .option('--space <name>', 'space (created when missing)', 'default')
  .option('--json', 'print the key and its details as JSON')
  .action(async (flags: ConfigFlags & { name: string; space: string; json?: boolean }) => {
    await runKeysCreate(loadConfig(flags), flags);
  });
storeOptions(keys.command('list').description('List the API keys of a space (masked).'))
  .option('--space <name>', 'space', 'default')
  .action(async (flags: ConfigFlags & { space: string }) => {
    await runKeysList(loadConfig(flags), flags.space);
  });
storeOptions(keys.command('revoke').description('Revoke an API key by id (AK_...).'))
  .argument('<id>', 'key id')
  .option('--space <name>', 'space', 'default')
  .action(async (id: string, flags: ConfigFlags & { space: string }) => {
    await runKeysRevoke(loadConfig(flags), flags.space, id);
  });

storeOptions(program.command('migrate').description('Create or upgrade the database schema and refresh the voice-profile catalog.')).action(
  async (flags: ConfigFlags) => {
    await runMigrate(loadConfig(flags));
  },
);

program
  .command('chat')
  .description('Talk to an agent over a text call from the terminal (uses the dev key of `unpod dev` when no key is given).')
  .option('--agent-id <id>', 'agent to call (its pipe is used when it has one)')
  .option('--pipe-id <id>', 'pipe to call')
  .option('--base-url <url>', 'server URL (env UNPOD_BASE_URL)')
  .option('--api-key <key>', 'API key (env UNPOD_API_KEY)')
  .option('--data-dir <dir>', 'data dir whose dev.env to read (env UNPOD_DATA_DIR, default ./.unpod)')
  .action(async (flags: { agentId?: string; pipeId?: string; baseUrl?: string; apiKey?: string; dataDir?: string }) => {
    await runChat({ ...flags, dataDir: loadConfig({ dataDir: flags.dataDir }).dataDir });
  });

registerCallCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`unpod: ${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
