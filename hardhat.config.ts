import { createRequire } from "node:module";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatKeystore from "@nomicfoundation/hardhat-keystore";

const require = createRequire(import.meta.url);

// Hardhat cannot download compilers here; the npm `solc` package is pinned to this exact version.
const SOLC_VERSION = "0.8.30";

export default defineConfig({
  plugins: [hardhatViem, hardhatViemAssertions, hardhatMocha, hardhatNetworkHelpers, hardhatIgnitionViem, hardhatKeystore],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: require.resolve("solc/soljson.js"),
        settings: { optimizer: { enabled: true, runs: 10_000 }, evmVersion: "cancun", viaIR: false },
      },
    },
  },
  paths: { sources: "./contracts", tests: { mocha: "./test", solidity: "./test" } },
  test: {
    solidity: {
      profiles: {
        default: { fuzz: { runs: 256 } },
        // `npm run test:long`: the invariant suite at 5,000 runs (inline `long.invariant.runs` directives).
        long: { fuzz: { runs: 256 }, invariant: { runs: 5_000, depth: 50 } },
      },
    },
  },
  networks: {
    // Cancun rules in-process and for the local node, so gas figures compare with the published anchors.
    default: { type: "edr-simulated", chainType: "l1", hardfork: "cancun" },
    node: { type: "edr-simulated", chainType: "l1", hardfork: "cancun" },
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // Any EVM network: set RPC_URL and DEPLOYER_KEY in the keystore (`npx hardhat keystore set RPC_URL`) or the environment.
    remote: {
      type: "http",
      chainType: "l1",
      url: configVariable("RPC_URL"),
      accounts: [configVariable("DEPLOYER_KEY")],
    },
  },
});
