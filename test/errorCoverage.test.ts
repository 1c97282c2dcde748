import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as abis from "../abi/index.js";

const testDir = fileURLToPath(new URL(".", import.meta.url));

/** Each contract's own interface: its ABI lists exactly the custom errors the contract declares. */
const INTERFACES = {
  CreditEngine: abis.iCreditEngineAbi,
  FleetOracle: abis.iFleetOracleAbi,
  FleetRegistry: abis.iFleetRegistryAbi,
  ClassValueFeed: abis.iClassValueFeedAbi,
  PegStabilityModule: abis.iPegStabilityModuleAbi,
  SavingsVault: abis.iSavingsVaultAbi,
  Reserve: abis.iReserveAbi,
  GPUSD: abis.igpusdAbi,
  LiquidationAuction: abis.iLiquidationAuctionAbi,
} as const;

function testSources(contract: string): string {
  const files = [`${contract}.test.ts`, ...readdirSync(`${testDir}/solidity`).filter((f) => f.startsWith(contract)).map((f) => `solidity/${f}`)];
  return files.filter((f) => existsSync(`${testDir}/${f}`)).map((f) => readFileSync(`${testDir}/${f}`, "utf8")).join("\n");
}

describe("custom error coverage", function () {
  for (const [contract, abi] of Object.entries(INTERFACES)) {
    it(`${contract}: every custom error it declares is exercised by its own tests`, function () {
      const source = testSources(contract);
      assert.ok(source.length > 0, `no tests found for ${contract}: add test/${contract}.test.ts`);
      const errors = abi.filter((item) => item.type === "error").map((item) => item.name);
      const untested = errors.filter((name) => !new RegExp(`\\b${name}\\b`).test(source));
      assert.deepEqual(untested, [], `${contract} declares errors no test of test/${contract}.test.ts triggers: ${untested.join(", ")}`);
    });
  }
});
