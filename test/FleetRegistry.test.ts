import assert from "node:assert/strict";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { toFunctionSelector, zeroAddress, type Address } from "viem";
import { FUNCTION_ROLES } from "../scripts/lib/governance.js";
import { fleetRegistryAbi, iFleetRegistryAbi } from "../abi/index.js";
import { DAY, FLEETS, H100, deployOracle, fleetRecord, type OracleSystem } from "./helpers/oracleFixture.js";

let viem: NetworkConnection["viem"];
let networkHelpers: NetworkConnection["networkHelpers"];
const load = () => networkHelpers.loadFixture(deployOracle);

const HOST_A = "0x00000000000000000000000000000000000000a1" as Address;
const HOST_B = "0x00000000000000000000000000000000000000b2" as Address;

async function onboard(system: OracleSystem, record: ReturnType<typeof fleetRecord>, hosts: Address[] = []) {
  return system.registry.write.onboard([record, hosts], { account: system.accounts.underwriter.account });
}

/** ERC-165 id of an interface: the XOR of its own function selectors. */
function interfaceId(abi: readonly { type: string; name?: string }[], names: string[]): `0x${string}` {
  let id = 0;
  for (const name of names) {
    const item = abi.find((x) => x.type === "function" && x.name === name);
    if (!item) throw new Error(`no ${name}`);
    id ^= parseInt(toFunctionSelector(item as never).slice(2), 16);
  }
  return `0x${(id >>> 0).toString(16).padStart(8, "0")}`;
}

describe("FleetRegistry", function () {
  before(async function () {
    ({ viem, networkHelpers } = await network.create());
  });

  describe("onboarding", function () {
    it("mints ids from 1 to the operator and records what the underwriter attested", async function () {
      const system = await load();
      const { registry, accounts } = system;
      assert.equal(await registry.read.lastFleetId(), BigInt(FLEETS.length));
      const operator = accounts.operator.account.address;
      for (const fleet of FLEETS) {
        assert.equal((await registry.read.ownerOf([fleet.id])).toLowerCase(), operator.toLowerCase());
        assert.deepEqual(await registry.read.classAndCount([fleet.id]), [fleet.classId, fleet.gpuCount]);
      }
      const now = await networkHelpers.time.latest();
      const record = fleetRecord(operator, H100, 32, now - DAY);
      await onboard(system, record, [HOST_A]);
      const id = await registry.read.lastFleetId();
      assert.equal(id, 4n);
      const stored = await registry.read.fleet([id]);
      assert.deepEqual({ ...stored, operator: stored.operator.toLowerCase() }, { ...record, operator: operator.toLowerCase() });
      assert.equal(await registry.read.balanceOf([operator]), 4n);
    });

    it("emits FleetOnboarded with the record and HostSignerSet for each host key", async function () {
      const system = await load();
      const { registry, accounts } = system;
      const now = await networkHelpers.time.latest();
      const record = fleetRecord(accounts.operator.account.address, H100, 32, now - DAY);
      await viem.assertions.emitWithArgs(onboard(system, record, [HOST_A, HOST_B]), registry, "FleetOnboarded", [
        4n,
        record.operator,
        record.classId,
        record.gpuCount,
        record.acquiredAt,
        record.acquisitionCost,
        record.gpuRoot,
        record.legalDocsHash,
      ]);
      const events = await registry.getEvents.HostSignerSet();
      assert.deepEqual(
        events.map((e) => [e.args.fleetId, e.args.signer?.toLowerCase(), e.args.allowed]),
        [
          [4n, HOST_A, true],
          [4n, HOST_B, true],
        ],
      );
      assert.equal(await registry.read.isHostSigner([4n, HOST_A]), true);
      assert.equal(await registry.read.isHostSigner([4n, HOST_B]), true);
      assert.equal(await registry.read.isHostSigner([1n, HOST_A]), false, "host keys are per fleet");
    });

    it("mints without a receiver callback, so a contract operator that cannot receive NFTs still gets its token", async function () {
      const system = await load();
      const { registry, oracle } = system;
      // FleetOracle implements no onERC721Received: `_safeMint` would revert here.
      const now = await networkHelpers.time.latest();
      await onboard(system, fleetRecord(oracle.address, H100, 8, now - DAY));
      assert.equal((await registry.read.ownerOf([4n])).toLowerCase(), oracle.address.toLowerCase());
    });

    it("accepts an acquisition dated now and refuses one in the future", async function () {
      const system = await load();
      const { registry, accounts } = system;
      const at = (await networkHelpers.time.latest()) + 100;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await onboard(system, fleetRecord(accounts.operator.account.address, H100, 8, at));
      await networkHelpers.time.setNextBlockTimestamp(at + 10);
      await viem.assertions.revertWithCustomErrorWithArgs(
        onboard(system, fleetRecord(accounts.operator.account.address, H100, 8, at + 11)),
        registry,
        "AcquiredInFuture",
        [at + 11, BigInt(at + 10)],
      );
    });

    it("refuses a zero operator, class, GPU count or host key", async function () {
      const system = await load();
      const { registry, accounts } = system;
      const now = await networkHelpers.time.latest();
      const good = fleetRecord(accounts.operator.account.address, H100, 8, now - DAY);
      await viem.assertions.revertWithCustomError(onboard(system, { ...good, operator: zeroAddress }), registry, "ZeroOperator");
      await viem.assertions.revertWithCustomError(onboard(system, { ...good, classId: 0 }), registry, "ZeroClass");
      await viem.assertions.revertWithCustomError(onboard(system, { ...good, gpuCount: 0 }), registry, "ZeroGpuCount");
      await viem.assertions.revertWithCustomErrorWithArgs(onboard(system, good, [HOST_A, zeroAddress]), registry, "ZeroHostSigner", [4n]);
      assert.equal(await registry.read.lastFleetId(), 3n, "no id is consumed by a refused onboarding");
    });
  });

  describe("host signers", function () {
    it("allows and revokes a host key, with an event each time", async function () {
      const { registry, accounts } = await load();
      const from = { account: accounts.underwriter.account };
      await viem.assertions.emitWithArgs(registry.write.setHostSigner([1n, HOST_A, true], from), registry, "HostSignerSet", [1n, HOST_A, true]);
      assert.equal(await registry.read.isHostSigner([1n, HOST_A]), true);
      await viem.assertions.emitWithArgs(registry.write.setHostSigner([1n, HOST_A, false], from), registry, "HostSignerSet", [1n, HOST_A, false]);
      assert.equal(await registry.read.isHostSigner([1n, HOST_A]), false);
    });

    it("refuses a zero key or an unknown fleet", async function () {
      const { registry, accounts } = await load();
      const from = { account: accounts.underwriter.account };
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.setHostSigner([1n, zeroAddress, true], from), registry, "ZeroHostSigner", [1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.setHostSigner([99n, HOST_A, true], from), registry, "UnknownFleet", [99n]);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.setHostSigner([0n, HOST_A, true], from), registry, "UnknownFleet", [0n]);
    });
  });

  describe("retiring", function () {
    it("burns a fleet its operator holds and forgets its record and host keys", async function () {
      const { registry, accounts } = await load();
      await registry.write.setHostSigner([1n, HOST_A, true], { account: accounts.underwriter.account });
      await viem.assertions.emitWithArgs(registry.write.retire([1n], { account: accounts.underwriter.account }), registry, "FleetRetired", [
        1n,
        accounts.operator.account.address,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.read.ownerOf([1n]), registry, "ERC721NonexistentToken", [1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.read.fleet([1n]), registry, "UnknownFleet", [1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.read.classAndCount([1n]), registry, "UnknownFleet", [1n]);
      assert.equal(await registry.read.isHostSigner([1n, HOST_A]), false);
      assert.equal(await registry.read.balanceOf([accounts.operator.account.address]), 2n);
    });

    it("refuses to retire a fleet its operator does not hold, such as one locked in a vault", async function () {
      const { registry, accounts } = await load();
      const vault = accounts.stranger.account.address;
      await registry.write.transferFrom([accounts.operator.account.address, vault, 2n], { account: accounts.operator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.retire([2n], { account: accounts.underwriter.account }), registry, "FleetNotWithOperator", [
        2n,
        accounts.operator.account.address,
        vault,
      ]);
      await registry.write.transferFrom([vault, accounts.operator.account.address, 2n], { account: accounts.stranger.account });
      await registry.write.retire([2n], { account: accounts.underwriter.account });
    });

    it("refuses to retire an unknown or already retired fleet", async function () {
      const { registry, accounts } = await load();
      const from = { account: accounts.underwriter.account };
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.retire([99n], from), registry, "UnknownFleet", [99n]);
      await registry.write.retire([3n], from);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.retire([3n], from), registry, "UnknownFleet", [3n]);
    });

    it("never reuses a retired fleet's id", async function () {
      const system = await load();
      const { registry, accounts } = system;
      await registry.write.retire([3n], { account: accounts.underwriter.account });
      const now = await networkHelpers.time.latest();
      await onboard(system, fleetRecord(accounts.operator.account.address, H100, 8, now - DAY));
      assert.equal(await registry.read.lastFleetId(), 4n);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.read.fleet([3n]), registry, "UnknownFleet", [3n]);
    });
  });

  describe("reads", function () {
    it("refuses to describe a fleet that was never onboarded", async function () {
      const { registry } = await load();
      for (const id of [0n, 4n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(registry.read.fleet([id]), registry, "UnknownFleet", [id]);
        await viem.assertions.revertWithCustomErrorWithArgs(registry.read.classAndCount([id]), registry, "UnknownFleet", [id]);
        assert.equal(await registry.read.isHostSigner([id, HOST_A]), false);
      }
    });

    it("names itself and advertises ERC-721 and IFleetRegistry through ERC-165", async function () {
      const { registry } = await load();
      assert.equal(await registry.read.name(), "GPU Credit Fleet");
      assert.equal(await registry.read.symbol(), "GPUFLEET");
      const own = iFleetRegistryAbi.filter((x) => x.type === "function").map((x) => x.name);
      const erc721 = ["balanceOf", "ownerOf", "safeTransferFrom", "transferFrom", "approve", "setApprovalForAll", "getApproved", "isApprovedForAll"];
      const ownOnly = own.filter((n) => !erc721.includes(n) && n !== "supportsInterface");
      assert.equal(await registry.read.supportsInterface([interfaceId(fleetRegistryAbi, ownOnly)]), true);
      assert.equal(await registry.read.supportsInterface(["0x80ac58cd"]), true, "ERC-721");
      assert.equal(await registry.read.supportsInterface(["0x01ffc9a7"]), true, "ERC-165");
      assert.equal(await registry.read.supportsInterface(["0xffffffff"]), false);
    });
  });

  describe("access control", function () {
    for (const fn of Object.keys(FUNCTION_ROLES.FleetRegistry)) {
      it(`refuses ${fn} from an account without the underwriter role`, async function () {
        const system = await load();
        const { registry, accounts } = system;
        const from = { account: accounts.stranger.account };
        const now = await networkHelpers.time.latest();
        const calls: Record<string, () => Promise<unknown>> = {
          onboard: () => registry.write.onboard([fleetRecord(accounts.stranger.account.address, H100, 8, now - DAY), []], from),
          setHostSigner: () => registry.write.setHostSigner([1n, HOST_A, true], from),
          retire: () => registry.write.retire([1n], from),
        };
        await viem.assertions.revertWithCustomErrorWithArgs(calls[fn]!(), registry, "AccessManagedUnauthorized", [accounts.stranger.account.address]);
      });
    }

    it("does not let the operator retire its own fleet", async function () {
      const { registry, accounts } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.retire([1n], { account: accounts.operator.account }),
        registry,
        "AccessManagedUnauthorized",
        [accounts.operator.account.address],
      );
    });
  });
});
