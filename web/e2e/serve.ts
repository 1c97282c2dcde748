/**
 * `npx tsx web/e2e/serve.ts`: the browser-test stack, kept running for manual use (test mode, demo seeded).
 * Prints the URLs; Ctrl+C stops everything.
 */
import { startStack } from "./stack.js";

const stack = await startStack({ log: (l) => console.log(l), webPort: process.env.WEB_PORT ? Number(process.env.WEB_PORT) : undefined });
console.log(`\nweb ${stack.webUrl}\nrpc ${stack.rpcUrl}\ngraphql ${stack.graphqlUrl}`);
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
