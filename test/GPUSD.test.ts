import assert from "node:assert/strict";
import { encodeFunctionData, parseSignature, zeroAddress } from "viem";
import { DAY, cachedFixture, deploySystem, usd } from "./helpers/system.js";

const load = cachedFixture(deploySystem);

describe("GPUSD", function () {
  it("lets only the engine and the PSM mint and burn", async function () {
    const sys = await load();
    assert.equal(await sys.gpusd.read.isMinter([sys.engine.address]), true);
    assert.equal(await sys.gpusd.read.isMinter([sys.psm.address]), true);
    const stranger = sys.accounts.stranger.account;
    await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.gpusd.write.mint([stranger.address, usd(1)], { account: stranger }), sys.gpusd, "NotMinter", [stranger.address]);
    await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.gpusd.write.burn([stranger.address, 0n], { account: stranger }), sys.gpusd, "NotMinter", [stranger.address]);
    // Even governance roles cannot mint directly.
    const deployer = sys.accounts.deployer.account;
    await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.gpusd.write.mint([deployer.address, usd(1)], { account: deployer }), sys.gpusd, "NotMinter", [deployer.address]);
    assert.equal(await sys.gpusd.read.totalSupply(), 0n);
  });

  it("changes the minter set only through the admin's two-day delay", async function () {
    const sys = await load();
    const stranger = sys.accounts.stranger.account;
    await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.gpusd.write.setMinter([stranger.address, true], { account: stranger }), sys.gpusd, "AccessManagedUnauthorized", [stranger.address]);

    const admin = sys.accounts.deployer.account;
    const data = encodeFunctionData({ abi: sys.gpusd.abi, functionName: "setMinter", args: [stranger.address, true] });
    await sys.viem.assertions.revertWithCustomError(sys.gpusd.write.setMinter([stranger.address, true], { account: admin }), sys.authority, "AccessManagerNotScheduled");
    await sys.authority.write.schedule([sys.gpusd.address, data, 0], { account: admin });
    await sys.networkHelpers.time.increase(2n * DAY - 5n);
    await assert.rejects(sys.authority.write.execute([sys.gpusd.address, data], { account: admin }));
    await sys.networkHelpers.time.increase(5n);
    await sys.viem.assertions.emitWithArgs(sys.authority.write.execute([sys.gpusd.address, data], { account: admin }), sys.gpusd, "MinterSet", [stranger.address, true]);
    assert.equal(await sys.gpusd.read.isMinter([stranger.address]), true);

    const zero = encodeFunctionData({ abi: sys.gpusd.abi, functionName: "setMinter", args: [zeroAddress, true] });
    await sys.authority.write.schedule([sys.gpusd.address, zero, 0], { account: admin });
    await sys.networkHelpers.time.increase(2n * DAY);
    await sys.viem.assertions.revertWithCustomError(sys.authority.write.execute([sys.gpusd.address, zero], { account: admin }), sys.gpusd, "ZeroMinter");
  });

  it("accepts an ERC-2612 permit signed off-chain and rejects a replay", async function () {
    const sys = await load();
    const owner = sys.accounts.saver;
    const spender = sys.accounts.operatorA.account.address;
    const deadline = (await sys.networkHelpers.time.latest()) + 3_600;
    const nonce = await sys.gpusd.read.nonces([owner.account.address]);
    const signature = await owner.signTypedData({
      account: owner.account,
      domain: { name: "GPU Credit Dollar", version: "1", chainId: sys.chainId, verifyingContract: sys.gpusd.address },
      types: { Permit: [{ name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }] },
      primaryType: "Permit",
      message: { owner: owner.account.address, spender, value: usd(500), nonce, deadline: BigInt(deadline) },
    });
    const { r, s, v } = parseSignature(signature);
    await sys.gpusd.write.permit([owner.account.address, spender, usd(500), BigInt(deadline), Number(v), r, s], { account: sys.accounts.keeper.account });
    assert.equal(await sys.gpusd.read.allowance([owner.account.address, spender]), usd(500));
    await assert.rejects(sys.gpusd.write.permit([owner.account.address, spender, usd(500), BigInt(deadline), Number(v), r, s], { account: sys.accounts.keeper.account }));
  });
});
