import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

describe("npm start (the local stack, end to end)", function () {
  this.timeout(300_000);

  it("deploys, seeds the demo story and prints a summary read back from the chain", async function () {
    const port = await freePort();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", "--once"], { cwd: root, env: { ...process.env, RPC_PORT: String(port) } });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stderr.on("data", (chunk) => (out += chunk));
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`npm start exited ${code}:\n${out}`))));
    });
    assert.match(output, new RegExp(`listening at http://127\\.0\\.0\\.1:${port}`));
    for (const vault of ["#1", "#2", "#3"]) assert.match(output, new RegExp(`\\s${vault}\\s+#\\d+ (H100 SXM|H200|A100 80GB)`), `vault ${vault} row`);
    assert.doesNotMatch(output, /LIQUIDATABLE/, "every demo vault stays healthy and on schedule");
    assert.match(output, /request #1: [\d,.]+ filled/, "the saver's queued redemption is shown");
    const price = Number(/share price (\d+\.\d+)/.exec(output)?.[1]);
    assert.ok(price > 1, `savings share price ${price} rose with interest`);
    const apr = Number(/APR (\d+\.\d+) %/.exec(output)?.[1]);
    assert.ok(apr > 0 && apr < 50, `APR ${apr} % is plausible`);
  });
});
