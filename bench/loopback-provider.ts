// A loopback OpenAI-compatible server in its own process for the AI bench: the provider is
// another process (as in production), so its work does not share the gateway's event loop.
// Prints its base URL on the first line of stdout; exits when its parent closes stdin.
import { startFakeProvider } from '../server/src/modules/ai/fake-providers.js';

const fake = await startFakeProvider('openai', { keepAliveMs: 65_000 });
fake.fallback = { text: 'A short answer from the loopback server.', usage: { input: 12, output: 9 } };
// Keep no request log: the bench sends thousands.
setInterval(() => void fake.seen.splice(0), 1000).unref();
process.stdout.write(`${fake.baseUrl}\n`);
process.stdin.resume();
process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
