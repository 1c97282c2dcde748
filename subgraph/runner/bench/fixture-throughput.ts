/**
 * Throughput of the runner on the fixture subgraph: N TestUSDC transfers among 200 accounts, 4 per block,
 * replayed through the mappings and PGlite. `npx tsx runner/bench/fixture-throughput.ts [events]`.
 */
import { encodeAbiParameters, encodeEventTopics, parseAbiItem, type Hex } from "viem";
import { measureThroughput, replayBlock, type ReplayBlock } from "../src/throughput.js";
import { buildFixture, FIXTURE_ADDRESS, FIXTURE_DIR } from "../test/fixture.js";

const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");
const events = Number(process.argv[2] ?? 5000);
const PER_BLOCK = 4;
const accounts = Array.from({ length: 200 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}` as Hex);

function* blocks(): Generator<ReplayBlock> {
  for (let b = 0; b * PER_BLOCK < events; b++) {
    const logs = Array.from({ length: PER_BLOCK }, (_, i) => {
      const n = b * PER_BLOCK + i;
      const from = n < accounts.length ? (`0x${"00".repeat(20)}` as Hex) : accounts[n % accounts.length]!;
      const to = accounts[(n * 7 + 3) % accounts.length]!;
      return {
        address: FIXTURE_ADDRESS,
        topics: encodeEventTopics({ abi: [TRANSFER], args: { from, to } }) as string[],
        data: encodeAbiParameters([{ type: "uint256" }], [n < accounts.length ? 1_000_000_000n : 1n]),
        logIndex: i,
        transactionHash: `0x${n.toString(16).padStart(64, "0")}`,
        transactionIndex: i,
      };
    });
    yield replayBlock(b + 1, 1_700_000_000n + BigInt(b * 12), logs, accounts[0]!);
  }
}

buildFixture();
const result = await measureThroughput({ subgraphDir: FIXTURE_DIR, dbDir: null, blocks: blocks() });
console.log(JSON.stringify(result, null, 2));
