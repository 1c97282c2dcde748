import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { freePort } from "../../scripts/lib/net.js";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("npm start (the local stack, end to end)", function () {
  this.timeout(300_000); // under a minute on an idle 2-core machine (12 rounds of 48 GPUs on 4 nodes); room for a loaded one

  it("deploys, seeds the demo story, prints a summary read back from the chain, and indexes the history in the subgraph", async function () {
    const port = await freePort();
    const graphqlPort = await freePort();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", "--once"], { cwd: root, env: { ...process.env, RPC_PORT: String(port), GRAPHQL_PORT: String(graphqlPort) } });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stderr.on("data", (chunk) => (out += chunk));
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`npm start exited ${code}:\n${out}`))));
    });
    assert.match(output, new RegExp(`listening at http://127\\.0\\.0\\.1:${port}`));
    // Every valuation came from the oracle network: each on-chain round's signers are node keys, and no other
    // round exists. On this machine (no NVML) the probes replay, and the summary says so.
    const oracle = /Oracle network: 4 nodes, quorum 3, probes (REPLAY|real)[^;]*; (\d+) rounds published by the nodes, (\d+) of (\d+) on-chain rounds signed by node keys/.exec(output);
    assert.ok(oracle, "the summary describes the oracle network");
    const [, mode, published, byNodes, onChain] = oracle;
    assert.ok(Number(published) >= 10 && published === onChain && byNodes === onChain, `rounds: ${published} published, ${byNodes} of ${onChain} signed by node keys`);
    if (mode === "REPLAY") assert.match(output, /"probes":"replay"/, "node log lines are labelled as replays");
    for (const vault of ["#1", "#2", "#3"]) assert.match(output, new RegExp(`\\s${vault}\\s+#\\d+ (H100 SXM|H200|A100 80GB)`), `vault ${vault} row`);
    assert.doesNotMatch(output, /LIQUIDATABLE/, "every liquidatable vault was kicked by the keeper");
    assert.match(output, /request #1: [\d,.]+ filled/, "the saver's queued redemption is shown");
    // The stress story: a collapse sold at a loss that the reserve and then savers bore, and a missed instalment
    // sold with a surplus for the operator.
    assert.match(output, /auction #1, vault #2 \(health below 1\).*shortfall \$[\d,.]+: reserve buffer covered \$[\d,.]+, savers absorbed \$[1-9][\d,.]*, uncovered \$0\.00/);
    assert.match(output, /auction #2, vault #3 \(missed instalment\).*operator surplus \$[1-9][\d,.]*, penalty to the reserve \$[1-9]/);
    assert.match(output, /#2 +#2 H200 ×16 .* liquidated/);
    const price = Number(/share price (\d+\.\d+)/.exec(output)?.[1]);
    assert.ok(price > 0.5 && price < 1, `savings share price ${price} fell with the absorbed loss`);
    const [supply, debt, usdc] = /GPUSD supply \$([\d,.]+) ≤ vault debt \$([\d,.]+) \+ PSM USDC ([\d,.]+)/.exec(output)!.slice(1).map((x) => Number(x.replaceAll(",", "")));
    assert.ok(Math.abs(supply! - debt! - usdc!) < 1, `supply ${supply} is backed by debt ${debt} and USDC ${usdc} with nothing uncovered`);
    // The same story, queried back from the subgraph runner's GraphQL (issue #5): indexed to the chain's head, with
    // both auctions and their waterfalls.
    assert.match(output, new RegExp(`GraphQL: http://127\\.0\\.0\\.1:${graphqlPort}/subgraphs/name/gpu-credit/local`));
    const [indexed, head] = /indexed to block (\d+), the chain's head is (\d+)/.exec(output)!.slice(1).map(Number);
    assert.ok(indexed! > 0 && indexed === head, `indexed to block ${indexed}, head ${head}`);
    assert.match(output, /\s[1-9]\d* oracle rounds, [1-9]\d* borrows, 2 auctions/);
    assert.match(output, /auction #1, vault #2, cause unhealthy, taken: shortfall \$[1-9][\d,.]*, savers absorbed \$[1-9][\d,.]*/);
    assert.match(output, /auction #2, vault #3, cause missedPayment, taken: shortfall \$0\.00, savers absorbed \$0\.00, operator surplus \$[1-9]/);
    assert.doesNotMatch(output, /^Web: /m, "--once serves no web app");
  });
});
