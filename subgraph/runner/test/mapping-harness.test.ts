/**
 * The matchstick-style harness over the compiled fixture wasm, without a chain: synthetic events in,
 * store assertions out, and a `N passed, N failed` summary that counts a broken assertion as a failure.
 */
import { strict as nodeAssert } from "node:assert";
import { assert, describe as group, loadMapping, MappingAbort, runTests, test } from "../src/testing.js";
import { IMPLEMENTED_HOST_FUNCTIONS } from "../src/host.js";
import { buildFixture } from "./fixture.js";

const A = `0x${"aa".repeat(20)}`;
const B = `0x${"bb".repeat(20)}`;
const ZERO = `0x${"00".repeat(20)}`;

describe("mapping unit-test harness (matchstick-style)", function () {
  this.timeout(120_000);

  it("runs handlers on synthetic events and asserts fields in graph-node's display forms", async function () {
    const m = loadMapping(buildFixture());
    group("transfers", () => {
      test("a mint credits the receiver with BigInt, BigDecimal, Int8 and list fields", () => {
        m.emit("TestUSDC", "Transfer", { from: ZERO, to: A, value: 2_500_000n });
        assert.fieldEquals("Account", A, "balance", "2500000");
        assert.fieldEquals("Account", A, "balanceDecimal", "2.5");
        assert.fieldEquals("Account", A, "volume", "2500000");
        assert.fieldEquals("Account", A, "recentAmounts", "[2500000]");
        assert.fieldEquals("Account", A, "isHolder", "true");
        assert.fieldEquals("Token", "0x5fbdb2315678afecb367f032d93f642f64180aa3", "note", "supply 2500000");
      });
      test("a transfer moves the balance and records an immutable Transfer", () => {
        m.emit("TestUSDC", "Transfer", { from: A, to: B, value: 500_000n });
        assert.fieldEquals("Account", A, "balance", "2000000");
        assert.fieldEquals("Account", B, "tags", "[receiver]");
        assert.entityCount("Transfer", 2);
      });
      test("a wrong expectation is reported as a failure", () => {
        assert.fieldEquals("Account", B, "balance", "1");
      }, true);
    });
    group("approvals", () => {
      test("an approval of 666 aborts with the mapping's message", () => {
        assert.aborts(() => m.emit("TestUSDC", "Approval", { owner: A, spender: B, value: 666n }), "approval of 666 is forbidden");
        assert.fieldEquals("Account", A, "tags", "[receiver, sender]");
      });
    });
    const lines: string[] = [];
    const result = await runTests((l) => lines.push(l));
    nodeAssert.deepEqual(result, { passed: 4, failed: 0 }, lines.join("\n"));
    nodeAssert.equal(lines.at(-1), "4 passed, 0 failed");
  });

  it("counts a failing assertion in the summary", async function () {
    loadMapping(buildFixture());
    test("expects a balance that is not there", () => assert.fieldEquals("Account", A, "balance", "1"));
    const lines: string[] = [];
    nodeAssert.deepEqual(await runTests((l) => lines.push(l)), { passed: 0, failed: 1 });
    nodeAssert.match(lines[0]!, /Account\[0xaa.*\] is not in the store/);
  });

  it("rejects a store.set that breaks the schema, naming entity and field", function () {
    const m = loadMapping(buildFixture());
    m.emit("TestUSDC", "Transfer", { from: ZERO, to: A, value: 1n });
    // The same immutable Transfer id twice (same tx hash and log index) must fail, as in graph-node.
    nodeAssert.throws(() => m.emit("TestUSDC", "Transfer", { from: ZERO, to: A, value: 1n }, { txHash: `0xfe${(1).toString(16).padStart(62, "0")}` }), (e: unknown) => e instanceof MappingAbort && /Transfer\[.*\] is immutable/.test((e as Error).message));
  });

  it("implements every host function the fixture imports and fails loudly on a missing one", function () {
    nodeAssert.ok(IMPLEMENTED_HOST_FUNCTIONS.includes("store.set"));
    nodeAssert.ok(IMPLEMENTED_HOST_FUNCTIONS.includes("bigDecimal.dividedBy"));
    nodeAssert.ok(!IMPLEMENTED_HOST_FUNCTIONS.includes("ethereum.call"), "mappings must not call the chain");
  });
});
