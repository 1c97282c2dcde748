import { strict as assert } from "node:assert";
import { ConfigError, parseConfig } from "../lib/config";
import { readServerConfig } from "../lib/server/config";

const contracts = Object.fromEntries(["gpusd", "usdc", "registry", "oracle", "engine", "psm", "savings", "reserve", "auction", "lens"].map((n, i) => [n, `0x${(i + 1).toString(16).padStart(40, "0")}`]));

describe("runtime config", function () {
  it("fills defaults for a local chain and checksums addresses", function () {
    const c = parseConfig({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545", contracts });
    assert.equal(c.chainName, "Local Hardhat");
    assert.equal(c.graphqlUrl, null);
    assert.equal(c.faucet, true);
    assert.equal(c.testMode, false);
    assert.equal(c.explorerTxUrl, "/tx/{hash}");
    assert.equal(c.contracts.lens, "0x000000000000000000000000000000000000000A");
  });

  it("names the field and the fix when something is wrong", function () {
    assert.throws(() => parseConfig({ chainId: 0, rpcUrl: "http://x", contracts }), (e: unknown) => e instanceof ConfigError && /chainId 0 must be a positive integer/.test(e.message));
    assert.throws(() => parseConfig({ chainId: 1, rpcUrl: "ws://x", contracts }), /rpcUrl ws:\/\/x must be an http\(s\) URL/);
    assert.throws(() => parseConfig({ chainId: 1, rpcUrl: "http://x", contracts: { ...contracts, psm: "nope" } }), /contracts\.psm is nope; set it to the deployed psm address/);
  });

  it("reads the config from WEB_CONFIG_JSON on the server and explains a missing one", function () {
    const ok = readServerConfig({ WEB_CONFIG_JSON: JSON.stringify({ chainId: 10, rpcUrl: "https://rpc", graphqlUrl: "https://g", contracts }) });
    assert.equal(ok.config?.chainName, "Chain 10");
    assert.equal(ok.config?.faucet, false);
    assert.match(readServerConfig({}).error!, /No deployment configured/);
    assert.match(readServerConfig({ WEB_CONFIG_JSON: "{" }).error!, /The web config is invalid/);
  });
});
