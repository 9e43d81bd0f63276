// The `atrium` command: start (embedded, everything in one process) | serve | worker | migrate | seed,
// and the client commands (login | flows | runs | diffs: server/src/cli/) that talk to a server over HTTP.
import { createApp, type Role } from './app.js';
import { loadConfig } from './config.js';
import { isDatabaseUnavailable } from './platform/db/unavailable.js';
import { seedDemo } from './seed.js';
import { CLIENT_COMMANDS, CLIENT_USAGE, runCli } from './cli/index.js';

const USAGE = `usage: atrium <command>
  start     migrate, seed the demo workspace, serve HTTP and run jobs in one process (default)
  serve     HTTP API + realtime stream (stateless; run as many as you like)
  worker    job worker (rule actions, snapshots, schedules; run as many as you like)
  migrate   apply database migrations and exit
  seed      create the demo workspace (idempotent) and exit
  operator grant|revoke <email>
            make a user a platform operator (aggregate metrics across tenants, no tenant content)

${CLIENT_USAGE}`;

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if ((CLIENT_COMMANDS as readonly string[]).includes(command)) {
    process.exitCode = await runCli(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr });
    return;
  }
  if (!['start', 'serve', 'worker', 'migrate', 'seed', 'operator'].includes(command)) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const app = await createApp(config);

  if (command === 'operator') {
    const [action, email] = argv.slice(1);
    if ((action !== 'grant' && action !== 'revoke') || !email) {
      console.error(USAGE);
      process.exitCode = 2;
      return;
    }
    await app.migrate();
    const found = await app.identity.setPlatformRole(email, action === 'grant' ? 'operator' : null);
    console.log(found ? `${email}: platform operator ${action === 'grant' ? 'granted' : 'revoked'}` : `no user with email ${email}`);
    if (!found) process.exitCode = 1;
    await app.stop();
    return;
  }

  if (command === 'migrate' || command === 'seed') {
    const report = await app.migrate();
    if (command === 'migrate') console.log(`migrations: ${report.applied.length} applied, ${report.total} in total`);
    else {
      const demo = await seedDemo(app);
      console.log(`demo workspace ${demo.created ? 'created' : 'already there'}: ${demo.tenantId}`);
    }
    await app.stop();
    return;
  }

  const role: Role = command === 'start' ? 'all' : (command as Role);
  // A long-running process outlives a database restart: a rejection nobody awaited (pg-boss
  // completes jobs without awaiting) is logged, not fatal; an uncaught exception is survived only
  // when it is a lost database connection (an 'error' event of some client nobody listens to).
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) app.log.warn({ err: reason }, 'unhandled rejection: the database is unavailable; going on');
    else app.log.error({ err: reason }, 'unhandled rejection; going on');
  });
  process.on('uncaughtException', (err) => {
    if (isDatabaseUnavailable(err)) {
      app.log.warn({ err }, 'uncaught exception: the database is unavailable; going on');
      return;
    }
    app.log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const url = await app.start(role);
  const where = config.databaseUrl ? 'server PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  if (role === 'worker') {
    console.log(`Atrium worker running on ${where}.`);
    return;
  }
  console.log(`\nAtrium is running at http://localhost:${config.port} (listening on ${url}), database: ${where}.`);
  if (role === 'all' && config.seedDemo) {
    const demo = await seedDemo(app);
    console.log(`Demo login: ${demo.email} / ${demo.password}  (POST /v1/auth/login)\nAPI token for this run:\n  ${demo.token}`);
    console.log(`Try: curl -H "Authorization: Bearer ${demo.token}" http://localhost:${config.port}/v1/diffs\n`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
