/**
 * A seeded, randomized protocol scenario for the runner's reconciliation test: operators onboard fleets, open vaults,
 * borrow and repay; the oracle publishes quorum-signed rounds whose values drift and sometimes crash, so vaults fall
 * below health 1 or miss their instalments; the keeper kicks, resets and takes auctions; savers deposit and withdraw;
 * traders swap at the PSM until redemptions queue, then claim or cancel; every governance role changes parameters
 * through the AccessManager (with its delays) and the guardian pauses and unpauses. Every choice comes from the seed and
 * from reads of the chain, and the chain's clock is the test's (see chain.ts), so a seed replays the same chain.
 */
import { BaseError, ContractFunctionRevertedError, encodeFunctionData, maxUint256, type Abi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { oracleDomain, signRound, sortSignatures } from "../../../oracle/src/eip712.js";
import { ROLE_DELAYS } from "../../../scripts/lib/governance.js";
import type { Protocol } from "../../../scripts/lib/protocol.js";
import { GPU_CLASSES, PROTOCOL } from "../../../scripts/lib/protocolConfig.js";
import { annualRateToPerSecond } from "../../../scripts/lib/rates.js";
import { ORACLE_SIGNER_KEYS, type TestChain } from "./chain.js";

const WAD = 10n ** 18n;
const USDC = 10n ** 6n;
const SCALE = 10n ** 12n;
const HOUR = 3600;
const DAY = 86_400;
const usd = (n: number) => BigInt(Math.round(n * 100)) * 10n ** 16n;
const pct = (n: number) => BigInt(Math.round(n * 100)) * 10n ** 14n;

type Wallet = Awaited<ReturnType<Protocol["viem"]["getWalletClients"]>>[number];
type Account = Wallet["account"];

/** mulberry32: small, fast and good enough to drive a scenario. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FleetModel {
  fleetId: bigint;
  classId: number;
  gpuCount: number;
  operator: Wallet;
  /** The value the next round reports (before the oracle's bounds and clamp). */
  value: bigint;
  retired: boolean;
}

export interface ScenarioReport {
  seed: number;
  /** Transactions mined successfully, setup included. */
  transactions: number;
  /** Attempts that reverted (in simulation or on chain); none of them changed state. */
  reverted: number;
  /** Successful transactions by action. */
  actions: Record<string, number>;
  /** Successful transactions by the contract they called. */
  contracts: Record<string, number>;
  /** Revert reasons by action, for tuning the scenario. */
  reverts: Record<string, number>;
  /** Events the protocol's contracts emitted, by contract and name ("CreditEngine.Borrowed"), deployment included. */
  events: Record<string, number>;
}

export interface ScenarioOptions {
  seed: number;
  /** Stop once this many transactions succeeded (setup included). */
  transactions: number;
  log?: (line: string) => void;
}

function reason(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName ?? revert.shortMessage;
    return error.shortMessage;
  }
  return String(error).slice(0, 80);
}

export class Scenario {
  readonly rand: () => number;
  readonly report: ScenarioReport;
  private wallets: Wallet[] = [];
  private operators: Wallet[] = [];
  private savers: Wallet[] = [];
  private traders: Wallet[] = [];
  private buyers: Wallet[] = [];
  readonly fleets: FleetModel[] = [];
  private signerKeys = [...ORACLE_SIGNER_KEYS];
  private spareSigner = privateKeyToAccount(`0x${"51".repeat(32)}`);
  /** Fleets whose next valuation falls hard (a crash), and by how much [bps of the value kept]. */
  private crashes = new Map<bigint, number>();

  constructor(
    readonly p: Protocol,
    readonly chain: TestChain,
    readonly options: ScenarioOptions,
  ) {
    this.rand = prng(options.seed);
    this.report = { seed: options.seed, transactions: 0, reverted: 0, actions: {}, contracts: {}, reverts: {}, events: {} };
  }

  // ----------------------------------------------------------------------------------------------- randomness

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new Error("pick from an empty list");
    return list[Math.floor(this.rand() * list.length)]!;
  }
  /** A random fraction of `x` in [lo, hi] (per mille resolution). */
  part(x: bigint, lo: number, hi: number): bigint {
    return (x * BigInt(this.int(Math.round(lo * 1000), Math.round(hi * 1000)))) / 1000n;
  }

  // ----------------------------------------------------------------------------------------------- sending

  /** Sends one transaction; counts it by action and contract. Returns whether it was mined successfully. */
  async send(action: string, contract: string, write: () => Promise<Hex>): Promise<boolean> {
    try {
      const hash = await write();
      const receipt = await this.p.publicClient.getTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("reverted on chain");
      this.report.transactions++;
      this.report.actions[action] = (this.report.actions[action] ?? 0) + 1;
      this.report.contracts[contract] = (this.report.contracts[contract] ?? 0) + 1;
      return true;
    } catch (error) {
      this.report.reverted++;
      const key = `${action}: ${reason(error)}`;
      this.report.reverts[key] = (this.report.reverts[key] ?? 0) + 1;
      return false;
    }
  }

  /** Calls a restricted function as a role, through the AccessManager's schedule → wait → execute where delayed. */
  async asRole(role: "RISK_CURATOR" | "ORACLE_ADMIN" | "GUARDIAN" | "UNDERWRITER", target: { address: Address; abi: Abi }, contract: string, functionName: string, args: readonly unknown[]): Promise<boolean> {
    const holder = { RISK_CURATOR: this.p.accounts.riskCurator, ORACLE_ADMIN: this.p.accounts.oracleAdmin, GUARDIAN: this.p.accounts.guardian, UNDERWRITER: this.p.accounts.underwriter }[role];
    const data = encodeFunctionData({ abi: target.abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]);
    const action = `${contract}.${functionName}`;
    if (ROLE_DELAYS[role] === 0) {
      return this.send(action, contract, () => holder.sendTransaction({ to: target.address, data, account: holder.account, chain: holder.chain }));
    }
    if (!(await this.send("AccessManager.schedule", "ProtocolAccessManager", () => this.p.authority.write.schedule([target.address, data, 0], { account: holder.account })))) return false;
    await this.chain.advance(ROLE_DELAYS[role]);
    const ok = await this.send(action, contract, () => this.p.authority.write.execute([target.address, data], { account: holder.account }));
    // A day or two passed: the oracle is stale now.
    await this.ensureFreshOracle();
    return ok;
  }

  // ----------------------------------------------------------------------------------------------- oracle

  private classOf(classId: number) {
    return GPU_CLASSES.find((c) => c.classId === classId)!;
  }

  /** Publishes a round valuing `fleets` (all live ones by default) at their model values, signed by a random quorum. */
  async publishRound(fleets?: FleetModel[]): Promise<boolean> {
    const oracle = this.p.oracle;
    if (await oracle.read.stopped()) return false;
    const live = (fleets ?? this.fleets).filter((f) => !f.retired).sort((a, b) => (a.fleetId < b.fleetId ? -1 : 1));
    const observedAt = this.chain.now();
    const valued = [];
    for (const f of live) {
      const [minPer, maxPer] = await oracle.read.classBounds([f.classId]);
      const n = BigInt(f.gpuCount);
      const crash = this.crashes.get(f.fleetId);
      if (crash !== undefined) {
        f.value = (f.value * BigInt(crash)) / 10_000n;
        this.crashes.delete(f.fleetId);
      } else {
        // A random walk of ±4 % a round, drifting slightly up.
        f.value = (f.value * BigInt(10_000 + this.int(-380, 420))) / 10_000n;
      }
      // Strictly inside the class's per-GPU bounds.
      const lo = minPer * n + WAD;
      const hi = maxPer * n - WAD;
      if (f.value < lo) f.value = lo;
      if (f.value > hi) f.value = hi;
      const stale = this.chance(0.08) ? this.int(1, Math.max(1, Math.floor(f.gpuCount / 4))) : 0;
      valued.push({
        fleetId: f.fleetId,
        value: f.value,
        throughputBps: this.int(8_000, 10_400),
        utilizationBps: this.int(5_000, 9_900),
        healthFlags: this.chance(0.05) ? this.pick([1, 2, 4, 8]) : 0,
        freshGpus: f.gpuCount - stale,
      });
    }
    const indices = [];
    if (this.chance(0.5)) {
      for (const c of GPU_CLASSES) {
        const [minPer, maxPer] = await oracle.read.classBounds([c.classId]);
        const mid = (minPer + maxPer) / 2n;
        indices.push({ classId: c.classId, valuePerGpu: minPer + 1n + this.part(mid - minPer, 0.2, 0.9) });
      }
    }
    const round = { roundId: (await oracle.read.latestRoundId()) + 1n, observedAt, fleets: valued, indices };
    const quorum = Number(await oracle.read.quorum());
    const keys = [...this.signerKeys];
    const chosen: Hex[] = [];
    while (chosen.length < quorum && keys.length > 0) chosen.push(keys.splice(Math.floor(this.rand() * keys.length), 1)[0]!);
    const domain = oracleDomain(this.p.chainId, oracle.address);
    const signed = await Promise.all(chosen.map((k) => signRound(privateKeyToAccount(k), domain, round)));
    const ok = await this.send("FleetOracle.submitRound", "FleetOracle", () => oracle.write.submitRound([round, sortSignatures(signed)], { account: this.p.accounts.keeper.account }));
    if (ok) this.lastObserved = observedAt;
    return ok;
  }

  /** A round if the last one is older than an hour (rounds come every few minutes in production). */
  async ensureFreshOracle(): Promise<void> {
    const latest = await this.p.oracle.read.latestRoundId();
    if (latest === 0n) return;
    if (this.chain.now() - this.lastObserved > HOUR) await this.publishRound();
  }

  /** observedAt of the last round this scenario published. */
  private lastObserved = 0;

  // ----------------------------------------------------------------------------------------------- setup

  async setup(): Promise<void> {
    const p = this.p;
    this.wallets = await p.viem.getWalletClients();
    const w = (i: number) => this.wallets[i]!;
    this.operators = [p.accounts.operatorA, p.accounts.operatorB, w(10), w(11), w(12), w(13)];
    this.savers = [p.accounts.saver, w(14), w(15), w(16)];
    this.traders = [p.accounts.stranger, w(17), w(18)];
    this.buyers = [p.accounts.keeper, w(19)];
    const everyone = [...this.operators, ...this.savers, ...this.traders, ...this.buyers];
    for (const who of everyone) {
      await this.send("TestUSDC.approve", "TestUSDC", () => p.usdc.write.approve([p.psm.address, maxUint256], { account: who.account }));
      await this.send("GPUSD.approve", "GPUSD", () => p.gpusd.write.approve([p.psm.address, maxUint256], { account: who.account }));
    }
    for (const who of this.savers) {
      await this.send("GPUSD.approve", "GPUSD", () => p.gpusd.write.approve([p.savings.address, maxUint256], { account: who.account }));
    }
    for (let i = 0; i < 10; i++) await this.onboard();
    await this.publishRound();
    await this.chain.advance(Number((await p.oracle.read.params()).increaseDelay) + 60);
    await this.publishRound();
    // Savers bring USDC and stake GPUSD; the PSM starts with their USDC.
    for (const saver of this.savers) {
      await this.sellUsdc(saver, BigInt(this.int(300_000, 900_000)) * USDC);
      await this.deposit(saver);
    }
    for (const f of this.fleets.slice(0, 8)) {
      const vaultId = await this.open(f);
      if (vaultId) await this.borrow(vaultId, 0.5, 0.95);
    }
  }

  // ----------------------------------------------------------------------------------------------- actions

  async onboard(): Promise<boolean> {
    const p = this.p;
    const c = this.pick(GPU_CLASSES);
    const operator = this.pick(this.operators);
    const gpuCount = this.pick([8, 16, 24, 32, 48, 64, 96]);
    const perGpu = { 1: 22_000, 2: 26_000, 3: 7_000 }[c.classId as 1 | 2 | 3] * (0.8 + this.rand() * 0.4);
    const value = usd(Math.round(perGpu)) * BigInt(gpuCount);
    const id = (await p.registry.read.lastFleetId()) + 1n;
    const ok = await this.send("FleetRegistry.onboard", "FleetRegistry", () =>
      p.registry.write.onboard(
        [
          {
            operator: operator.account.address,
            classId: c.classId,
            gpuCount,
            acquiredAt: this.chain.now() - this.int(10, 900) * DAY,
            acquisitionCost: value,
            gpuRoot: `0x${id.toString(16).padStart(64, "a")}`,
            legalDocsHash: `0x${id.toString(16).padStart(64, "d")}`,
          },
          [this.wallets[id % 2n === 0n ? 2 : 3]!.account.address],
        ],
        { account: p.accounts.underwriter.account },
      ),
    );
    if (ok) this.fleets.push({ fleetId: id, classId: c.classId, gpuCount, operator, value, retired: false });
    return ok;
  }

  private ownerOf = async (fleetId: bigint) => ((await this.p.registry.read.ownerOf([fleetId])) as Address).toLowerCase();

  /** Fleets their operator holds (not in a vault or an auction). */
  private async idleFleets(): Promise<FleetModel[]> {
    const out = [];
    for (const f of this.fleets) if (!f.retired && (await this.ownerOf(f.fleetId)) === f.operator.account.address.toLowerCase()) out.push(f);
    return out;
  }

  async open(f: FleetModel): Promise<bigint | null> {
    const p = this.p;
    if (!(await this.send("FleetRegistry.approve", "FleetRegistry", () => p.registry.write.approve([p.engine.address, f.fleetId], { account: f.operator.account })))) return null;
    if (!(await this.send("CreditEngine.open", "CreditEngine", () => p.engine.write.open([f.fleetId], { account: f.operator.account })))) return null;
    return p.engine.read.lastVaultId();
  }

  /** Vaults that are open on chain, with their state. */
  async vaults() {
    const last = await this.p.engine.read.lastVaultId();
    const out = [];
    for (let id = 1n; id <= last; id++) {
      const v = await this.p.engine.read.vault([id]);
      if (v.owner === "0x0000000000000000000000000000000000000000") continue;
      out.push({ id, ...v, owner: this.wallets.find((w) => w.account.address.toLowerCase() === v.owner.toLowerCase())! });
    }
    return out;
  }

  async borrow(vaultId: bigint, lo: number, hi: number): Promise<boolean> {
    const p = this.p;
    await this.ensureFreshOracle();
    const v = await p.engine.read.vault([vaultId]);
    const owner = this.wallets.find((w) => w.account.address.toLowerCase() === v.owner.toLowerCase());
    if (!owner || v.fleetId === 0) return false;
    let max: bigint;
    try {
      max = await p.engine.read.maxBorrow([vaultId]);
    } catch {
      return false;
    }
    const amount = this.part(max, lo, hi);
    if (amount === 0n) return false;
    return this.send("CreditEngine.borrow", "CreditEngine", () => p.engine.write.borrow([vaultId, amount, owner.account.address], { account: owner.account }));
  }

  /** Buys GPUSD at the PSM with freshly minted USDC, so `who` holds at least `need`. */
  async fund(who: Wallet, need: bigint): Promise<void> {
    const have = await this.p.gpusd.read.balanceOf([who.account.address]);
    if (have >= need) return;
    const usdc = ((need - have) * 1_011n) / 1_000n / SCALE + 1n;
    await this.sellUsdc(who, usdc);
  }

  async sellUsdc(who: Wallet, amount: bigint): Promise<boolean> {
    const p = this.p;
    await this.send("TestUSDC.mint", "TestUSDC", () => p.usdc.write.mint([who.account.address, amount], { account: who.account }));
    return this.send("PegStabilityModule.sellUsdc", "PegStabilityModule", () => p.psm.write.sellUsdc([amount, who.account.address], { account: who.account }));
  }

  async repay(vaultId: bigint, owner: Wallet, mode: "part" | "instalment" | "all"): Promise<boolean> {
    const p = this.p;
    const debt = await p.engine.read.debtOf([vaultId]);
    if (debt === 0n) return false;
    let amount: bigint;
    if (mode === "all") amount = maxUint256;
    else if (mode === "instalment") {
      const v = await p.engine.read.vault([vaultId]);
      const [, principalDue] = await p.engine.read.nextDue([vaultId]);
      amount = debt - v.principal + principalDue + usd(this.int(1, 5_000));
      if (amount > debt) amount = maxUint256;
    } else amount = this.part(debt, 0.05, 0.6);
    await this.fund(owner, amount === maxUint256 ? debt + usd(1) : amount);
    return this.send("CreditEngine.repay", "CreditEngine", () => p.engine.write.repay([vaultId, amount], { account: owner.account }));
  }

  async deposit(saver: Wallet): Promise<boolean> {
    const p = this.p;
    const balance = await p.gpusd.read.balanceOf([saver.account.address]);
    if (balance < usd(100)) await this.sellUsdc(saver, BigInt(this.int(50_000, 300_000)) * USDC);
    const amount = this.part(await p.gpusd.read.balanceOf([saver.account.address]), 0.2, 0.9);
    return this.send("SavingsVault.deposit", "SavingsVault", () => p.savings.write.deposit([amount, saver.account.address], { account: saver.account }));
  }

  async withdraw(saver: Wallet): Promise<boolean> {
    const p = this.p;
    const shares = await p.savings.read.balanceOf([saver.account.address]);
    if (shares === 0n) return false;
    if (this.chance(0.5)) {
      const amount = this.chance(0.15) ? shares : this.part(shares, 0.1, 0.7);
      if (amount === 0n) return false;
      return this.send("SavingsVault.redeem", "SavingsVault", () => p.savings.write.redeem([amount, saver.account.address, saver.account.address], { account: saver.account }));
    }
    const assets = this.part(await p.savings.read.maxWithdraw([saver.account.address]), 0.1, 0.7);
    if (assets === 0n) return false;
    return this.send("SavingsVault.withdraw", "SavingsVault", () => p.savings.write.withdraw([assets, saver.account.address, saver.account.address], { account: saver.account }));
  }

  async redeemAtPsm(who: Wallet): Promise<boolean> {
    const p = this.p;
    let balance = await p.gpusd.read.balanceOf([who.account.address]);
    if (balance < usd(1_000)) {
      await this.fund(who, usd(this.int(20_000, 200_000)));
      balance = await p.gpusd.read.balanceOf([who.account.address]);
    }
    const amount = this.part(balance, 0.2, 1);
    return this.send("PegStabilityModule.redeem", "PegStabilityModule", () => p.psm.write.redeem([amount, who.account.address], { account: who.account }));
  }

  /** One step of the liquidation keeper: kick what can be kicked, reset what needs it, and maybe take one. */
  async keeper(): Promise<boolean> {
    const p = this.p;
    let acted = false;
    if (await p.auction.read.paused()) return false;
    for (const v of await this.vaults()) {
      if (v.normDebt === 0n) continue;
      const [liquidatable] = await p.engine.read.isLiquidatable([v.id]);
      if (liquidatable && this.chance(0.8)) {
        acted = (await this.send("LiquidationAuction.kick", "LiquidationAuction", () => p.auction.write.kick([v.id, p.accounts.keeper.account.address], { account: p.accounts.keeper.account }))) || acted;
      }
    }
    const last = await p.auction.read.lastAuctionId();
    for (let id = 1n; id <= last; id++) {
      const a = await p.auction.read.auction([id]);
      if (a.tab === 0n) continue;
      const [needsReset, price] = await p.auction.read.status([id]);
      if (needsReset) {
        acted = (await this.send("LiquidationAuction.redo", "LiquidationAuction", () => p.auction.write.redo([id, p.accounts.keeper.account.address], { account: p.accounts.keeper.account }))) || acted;
      } else if (this.chance(0.2)) {
        const buyer = this.pick(this.buyers);
        await this.fund(buyer, price);
        acted = (await this.send("LiquidationAuction.take", "LiquidationAuction", () => p.auction.write.take([id, price, buyer.account.address], { account: buyer.account }))) || acted;
      }
    }
    return acted;
  }

  async claimOrCancel(): Promise<boolean> {
    const p = this.p;
    const last = await p.psm.read.lastRequestId();
    if (last === 0n) return false;
    const id = BigInt(this.int(1, Number(last)));
    const r = await p.psm.read.request([id]);
    if (r.cancelled) return false;
    const owner = this.wallets.find((w) => w.account.address.toLowerCase() === r.owner.toLowerCase())!;
    const status = await p.psm.read.queueStatus([id]);
    if (status.remaining > 0n && this.chance(0.25)) {
      return this.send("PegStabilityModule.cancel", "PegStabilityModule", () => p.psm.write.cancel([id], { account: owner.account }));
    }
    if (status.claimable === 0n) return false;
    const caller = this.chance(0.7) ? owner : this.pick(this.traders);
    return this.send("PegStabilityModule.claim", "PegStabilityModule", () => p.psm.write.claim([id], { account: caller.account }));
  }

  async governance(): Promise<boolean> {
    const p = this.p;
    const choice = this.int(0, 13);
    switch (choice) {
      case 0: {
        const c = this.pick(GPU_CLASSES);
        const maxLtv = pct(this.pick([55, 60, 65, 70]));
        const params = {
          ...c.params,
          stabilityFee: annualRateToPerSecond(pct(this.pick([6, 8, 10, 12, 15]))),
          maxLtv,
          liquidationLtv: maxLtv + pct(this.pick([8, 10, 12])),
          debtCeiling: usd(this.pick([20, 30, 50]) * 1_000_000),
        };
        return this.asRole("RISK_CURATOR", p.engine, "CreditEngine", "setClass", [c.classId, params]);
      }
      case 1:
        return this.asRole("RISK_CURATOR", p.engine, "CreditEngine", "setGlobalDebtCeiling", [usd(this.pick([80, 100, 150]) * 1_000_000)]);
      case 2:
        return this.asRole("RISK_CURATOR", p.engine, "CreditEngine", "setDefaultOperatorCeiling", [usd(this.pick([15, 25, 40]) * 1_000_000)]);
      case 3:
        return this.asRole("RISK_CURATOR", p.engine, "CreditEngine", "setOperatorCeiling", [this.pick(this.operators).account.address, this.chance(0.3) ? 0n : usd(this.pick([10, 30]) * 1_000_000)]);
      case 4:
        return this.asRole("RISK_CURATOR", p.psm, "PegStabilityModule", "setFees", [pct(this.pick([0, 0.05, 0.1])), pct(this.pick([0, 0.1, 0.3]))]);
      case 5:
        return this.asRole("RISK_CURATOR", p.reserve, "Reserve", "setReserveFactor", [pct(this.pick([10, 20, 30]))]);
      case 6:
        return this.asRole("RISK_CURATOR", p.savings, "SavingsVault", "setSmearWindow", [this.pick([HOUR, DAY, 3 * DAY, 7 * DAY])]);
      case 7:
        return this.asRole("RISK_CURATOR", p.savings, "SavingsVault", "setWithdrawalCooldown", [this.pick([0, 0, HOUR, DAY])]);
      case 8: {
        const a = PROTOCOL.auction;
        const params = { ...a, floorRatio: pct(this.pick([40, 50, 60])), penalty: pct(this.pick([3, 5, 8])), duration: this.pick([DAY, 2 * DAY, 3 * DAY]), tail: 5 * DAY };
        return this.asRole("RISK_CURATOR", p.auction, "LiquidationAuction", "setParams", [params]);
      }
      case 9: {
        const o = PROTOCOL.oracle;
        return this.asRole("RISK_CURATOR", p.oracle, "FleetOracle", "setParams", [{ maxAge: o.maxAge, increaseDelay: this.pick([600, HOUR, 2 * HOUR]), maxIncreasePerDay: pct(this.pick([5, 10, 20])) }]);
      }
      case 10: {
        const c = this.pick(GPU_CLASSES);
        return this.asRole("RISK_CURATOR", p.oracle, "FleetOracle", "setClassBounds", [c.classId, (c.minValuePerGpu * BigInt(this.int(80, 120))) / 100n, (c.maxValuePerGpu * BigInt(this.int(90, 130))) / 100n]);
      }
      case 11: {
        // The spare signer joins or leaves; the quorum of 3 stays a strict majority of 4 or 5.
        const spare = this.spareSigner;
        const present = await p.oracle.read.isSigner([spare.address]);
        const ok = await this.asRole("ORACLE_ADMIN", p.oracle, "FleetOracle", present ? "removeSigner" : "addSigner", [spare.address]);
        if (ok) {
          const key = `0x${"51".repeat(32)}` as Hex;
          this.signerKeys = present ? this.signerKeys.filter((k) => k !== key) : [...this.signerKeys, key];
        }
        return ok;
      }
      case 12: {
        const f = this.pick(this.fleets.filter((x) => !x.retired));
        return this.asRole("UNDERWRITER", p.registry, "FleetRegistry", "setHostSigner", [f.fleetId, this.pick(this.wallets).account.address, this.chance(0.7)]);
      }
      default: {
        const idle = (await this.idleFleets()).filter(() => this.chance(0.5));
        if (idle.length === 0) return false;
        const f = idle[0]!;
        const ok = await this.asRole("UNDERWRITER", p.registry, "FleetRegistry", "retire", [f.fleetId]);
        if (ok) f.retired = true;
        return ok;
      }
    }
  }

  /** The guardian pauses something; `unpauseAll` lifts it a few steps later. */
  async pauseOrUnpause(): Promise<boolean> {
    const p = this.p;
    const targets = [
      { name: "CreditEngine", c: p.engine, paused: () => p.engine.read.paused() },
      { name: "PegStabilityModule", c: p.psm, paused: () => p.psm.read.paused() },
      { name: "LiquidationAuction", c: p.auction, paused: () => p.auction.read.paused() },
    ] as const;
    const t = this.pick(targets);
    const paused = await t.paused();
    return this.asRole("GUARDIAN", t.c as { address: Address; abi: Abi }, t.name, paused ? "unpause" : "pause", []);
  }

  async stopOracle(): Promise<boolean> {
    const p = this.p;
    if (await p.oracle.read.stopped()) return false;
    if (!(await this.asRole("GUARDIAN", p.oracle, "FleetOracle", "stop", []))) return false;
    // The oracle admin resumes it after its two-day delay; a round follows.
    return this.asRole("ORACLE_ADMIN", p.oracle, "FleetOracle", "resume", []);
  }

  /** Unpause whatever has been paused for a while, so pauses stay short. */
  async unpauseAll(): Promise<void> {
    const p = this.p;
    for (const [name, c, paused] of [
      ["CreditEngine", p.engine, await p.engine.read.paused()],
      ["PegStabilityModule", p.psm, await p.psm.read.paused()],
      ["LiquidationAuction", p.auction, await p.auction.read.paused()],
    ] as const) {
      if (paused) await this.asRole("GUARDIAN", c as { address: Address; abi: Abi }, name, "unpause", []);
    }
  }

  async timePasses(): Promise<void> {
    const r = this.rand();
    const seconds = r < 0.6 ? this.int(10 * 60, 6 * HOUR) : r < 0.93 ? this.int(6 * HOUR, 2 * DAY) : this.int(3 * DAY, 8 * DAY);
    await this.chain.advance(seconds);
    await this.ensureFreshOracle();
  }

  // ----------------------------------------------------------------------------------------------- the loop

  async step(): Promise<void> {
    const p = this.p;
    const r = this.rand();
    const operators = this.operators;
    if (r < 0.1) {
      await this.timePasses();
    } else if (r < 0.2) {
      // An oracle round, sometimes with a crash of a fleet that backs debt.
      if (this.chance(0.35)) {
        const indebted = (await this.vaults()).filter((v) => v.normDebt > 0n);
        if (indebted.length > 0) {
          const v = this.pick(indebted);
          this.crashes.set(BigInt(v.fleetId), this.int(5_000, 8_200));
        }
      }
      await this.publishRound(this.chance(0.2) ? this.fleets.filter(() => this.chance(0.6)) : undefined);
    } else if (r < 0.3) {
      const open = await this.vaults();
      const withFleet = open.filter((v) => v.fleetId !== 0);
      if (withFleet.length > 0) await this.borrow(this.pick(withFleet).id, 0.1, 0.9);
    } else if (r < 0.4) {
      const indebted = (await this.vaults()).filter((v) => v.normDebt > 0n);
      if (indebted.length > 0) {
        const v = this.pick(indebted);
        const mode = this.chance(0.45) ? "instalment" : this.chance(0.3) ? "all" : "part";
        // Sometimes a stranger pays someone else's debt.
        const payer = this.chance(0.1) ? this.pick(this.traders) : v.owner;
        await this.repay(v.id, payer, mode);
      }
    } else if (r < 0.46) {
      // Collateral moves: open a vault with an idle fleet, add one to an empty vault, remove or close.
      const open = await this.vaults();
      const idle = await this.idleFleets();
      const emptyVaults = open.filter((v) => v.fleetId === 0);
      const debtFree = open.filter((v) => v.fleetId !== 0 && v.normDebt === 0n);
      const c = this.rand();
      if (c < 0.45 && idle.length > 0) {
        const f = this.pick(idle);
        const vaultId = await this.open(f);
        if (vaultId && this.chance(0.8)) await this.borrow(vaultId, 0.3, 0.9);
      } else if (c < 0.65 && emptyVaults.length > 0) {
        const v = this.pick(emptyVaults);
        const mine = idle.filter((f) => f.operator.account.address.toLowerCase() === v.owner.account.address.toLowerCase());
        if (mine.length > 0 && this.chance(0.6)) {
          const f = this.pick(mine);
          if (await this.send("FleetRegistry.approve", "FleetRegistry", () => p.registry.write.approve([p.engine.address, f.fleetId], { account: f.operator.account }))) {
            await this.send("CreditEngine.addCollateral", "CreditEngine", () => p.engine.write.addCollateral([v.id, f.fleetId], { account: v.owner.account }));
          }
        } else {
          await this.send("CreditEngine.close", "CreditEngine", () => p.engine.write.close([v.id, v.owner.account.address], { account: v.owner.account }));
        }
      } else if (debtFree.length > 0) {
        const v = this.pick(debtFree);
        if (this.chance(0.5)) await this.send("CreditEngine.removeCollateral", "CreditEngine", () => p.engine.write.removeCollateral([v.id, v.owner.account.address], { account: v.owner.account }));
        else await this.send("CreditEngine.close", "CreditEngine", () => p.engine.write.close([v.id, v.owner.account.address], { account: v.owner.account }));
      } else if (this.fleets.filter((f) => !f.retired).length < 20) {
        await this.onboard();
      }
    } else if (r < 0.54) {
      await this.keeper();
    } else if (r < 0.6) {
      const keeper = p.accounts.keeper.account;
      if (this.chance(0.5)) await this.send("CreditEngine.accrue", "CreditEngine", () => p.engine.write.accrue([this.pick(GPU_CLASSES).classId], { account: keeper }));
      else await this.send("Reserve.distribute", "Reserve", () => p.reserve.write.distribute({ account: keeper }));
    } else if (r < 0.68) {
      // USDC in: a trader or saver sells USDC (filling the queue first).
      const who = this.pick([...this.traders, ...this.savers]);
      await this.sellUsdc(who, BigInt(this.int(5_000, 250_000)) * USDC);
    } else if (r < 0.76) {
      // USDC out: operators cash out what they borrowed, traders redeem; the queue forms when USDC runs short.
      await this.redeemAtPsm(this.pick([...operators, ...this.traders]));
    } else if (r < 0.8) {
      await this.claimOrCancel();
    } else if (r < 0.86) {
      await this.deposit(this.pick(this.savers));
    } else if (r < 0.91) {
      await this.withdraw(this.pick(this.savers));
    } else if (r < 0.93) {
      // Transfers of GPUSD and sGPUSD between holders.
      const from = this.pick(this.savers);
      const to = this.pick([...this.savers, ...this.traders]);
      if (this.chance(0.5)) {
        const shares = this.part(await p.savings.read.balanceOf([from.account.address]), 0.05, 0.3);
        if (shares > 0n) await this.send("SavingsVault.transfer", "SavingsVault", () => p.savings.write.transfer([to.account.address, shares], { account: from.account }));
      } else {
        const amount = this.part(await p.gpusd.read.balanceOf([from.account.address]), 0.05, 0.3);
        if (amount > 0n) await this.send("GPUSD.transfer", "GPUSD", () => p.gpusd.write.transfer([to.account.address, amount], { account: from.account }));
      }
    } else if (r < 0.975) {
      await this.governance();
    } else if (r < 0.992) {
      await this.pauseOrUnpause();
    } else {
      await this.stopOracle();
    }
  }

  /**
   * Whatever the random steps have not reached yet, arranged on purpose: a redemption queue that is partly filled,
   * claimed and cancelled; an auction that runs past its tail, is reset and taken; each governance call and pause.
   */
  async coverage(): Promise<void> {
    const p = this.p;
    const done = (action: string) => (this.report.actions[action] ?? 0) > 0;
    await this.unpauseAll();
    await this.ensureFreshOracle();
    if (!done("PegStabilityModule.claim") || !done("PegStabilityModule.cancel")) {
      // Holders of borrowed GPUSD redeem until the module runs out of free USDC and two requests wait in line (GPUSD
      // bought at the PSM could never do it: its USDC arrives with it); half the line then fills.
      let requests = 0;
      for (const who of [...this.operators, ...this.savers, ...this.traders]) {
        if (requests >= 2) break;
        if (this.savers.includes(who)) await this.withdraw(who);
        const balance = await p.gpusd.read.balanceOf([who.account.address]);
        if (balance < usd(10)) continue;
        const before = await p.psm.read.lastRequestId();
        await this.send("PegStabilityModule.redeem", "PegStabilityModule", () => p.psm.write.redeem([balance, who.account.address], { account: who.account }));
        if ((await p.psm.read.lastRequestId()) > before) requests++;
      }
      await this.sellUsdc(this.savers[0]!, (await p.psm.read.queueDepth()) / 2n + 1n);
      // Claim the oldest claimable request; cancel the newest one still waiting.
      const last = await p.psm.read.lastRequestId();
      const live = [];
      for (let id = 1n; id <= last; id++) {
        const r = await p.psm.read.request([id]);
        if (r.cancelled) continue;
        const owner = this.wallets.find((w) => w.account.address.toLowerCase() === r.owner.toLowerCase())!;
        live.push({ id, owner, status: await p.psm.read.queueStatus([id]) });
      }
      const claimable = live.find((r) => r.status.claimable > 0n);
      if (claimable) await this.send("PegStabilityModule.claim", "PegStabilityModule", () => p.psm.write.claim([claimable.id], { account: claimable.owner.account }));
      const waiting = live.reverse().find((r) => r.status.remaining > 0n);
      if (waiting) await this.send("PegStabilityModule.cancel", "PegStabilityModule", () => p.psm.write.cancel([waiting.id], { account: waiting.owner.account }));
    }
    if (!done("LiquidationAuction.redo") || !done("LiquidationAuction.take")) {
      const indebted = (await this.vaults()).filter((v) => v.normDebt > 0n && v.fleetId !== 0);
      if (indebted.length > 0) {
        const v = this.pick(indebted);
        this.crashes.set(BigInt(v.fleetId), 5_000);
        await this.publishRound();
        await this.send("LiquidationAuction.kick", "LiquidationAuction", () => p.auction.write.kick([v.id, p.accounts.keeper.account.address], { account: p.accounts.keeper.account }));
      }
      const tail = Number((await p.auction.read.params()).tail);
      await this.chain.advance(tail + HOUR);
      await this.ensureFreshOracle();
      const before = this.report.actions["LiquidationAuction.take"] ?? 0;
      for (let i = 0; i < 4 && (this.report.actions["LiquidationAuction.take"] ?? 0) === before; i++) {
        await this.keeper();
        await this.chain.advance(DAY / 2);
        await this.ensureFreshOracle();
      }
    }
    if ((await p.auction.read.totalBadDebt()) === 0n) await this.runOnSavers();
    const governance: [string, () => Promise<boolean>][] = [
      ["CreditEngine.setClass", async () => { const c = this.pick(GPU_CLASSES); return this.asRole("RISK_CURATOR", p.engine, "CreditEngine", "setClass", [c.classId, { ...c.params, stabilityFee: annualRateToPerSecond(pct(this.pick([8, 12]))) }]); }],
      ["CreditEngine.setOperatorCeiling", () => this.asRole("RISK_CURATOR", p.engine, "CreditEngine", "setOperatorCeiling", [this.pick(this.operators).account.address, usd(30_000_000)])],
      ["PegStabilityModule.setFees", () => this.asRole("RISK_CURATOR", p.psm, "PegStabilityModule", "setFees", [pct(0.05), pct(0.2)])],
      ["FleetRegistry.setHostSigner", () => this.asRole("UNDERWRITER", p.registry, "FleetRegistry", "setHostSigner", [this.fleets.find((f) => !f.retired)!.fleetId, this.wallets[8]!.account.address, true])],
      ["CreditEngine.pause", () => this.asRole("GUARDIAN", p.engine, "CreditEngine", "pause", [])],
      ["PegStabilityModule.pause", () => this.asRole("GUARDIAN", p.psm, "PegStabilityModule", "pause", [])],
      ["LiquidationAuction.pause", () => this.asRole("GUARDIAN", p.auction, "LiquidationAuction", "pause", [])],
      ["FleetOracle.stop", () => this.stopOracle()],
      [
        "FleetRegistry.retire",
        async () => {
          let idle = await this.idleFleets();
          if (idle.length === 0 && (await this.onboard())) idle = await this.idleFleets();
          const f = idle.at(-1);
          if (!f) return false;
          const ok = await this.asRole("UNDERWRITER", p.registry, "FleetRegistry", "retire", [f.fleetId]);
          if (ok) f.retired = true;
          return ok;
        },
      ],
      ["Reserve.distribute", () => this.send("Reserve.distribute", "Reserve", () => p.reserve.write.distribute({ account: p.accounts.keeper.account }))],
      ["CreditEngine.accrue", () => this.send("CreditEngine.accrue", "CreditEngine", () => p.engine.write.accrue([1], { account: p.accounts.keeper.account }))],
    ];
    for (const [action, run] of governance) if (!done(action)) await run();
    await this.unpauseAll();
    if (!done("CreditEngine.addCollateral")) {
      // A vault opened on an idle fleet, emptied and filled again.
      let idle = await this.idleFleets();
      if (idle.length === 0 && (await this.onboard())) idle = await this.idleFleets();
      const f = idle[0];
      const vaultId = f ? await this.open(f) : null;
      if (f && vaultId) {
        const owner = f.operator;
        await this.send("CreditEngine.removeCollateral", "CreditEngine", () => p.engine.write.removeCollateral([vaultId, owner.account.address], { account: owner.account }));
        await this.send("FleetRegistry.approve", "FleetRegistry", () => p.registry.write.approve([p.engine.address, f.fleetId], { account: owner.account }));
        await this.send("CreditEngine.addCollateral", "CreditEngine", () => p.engine.write.addCollateral([vaultId, f.fleetId], { account: owner.account }));
      }
    }
  }

  /**
   * The rare branches of the loss waterfall: every saver leaves (the last withdrawals fold released interest into the
   * books), interest keeps arriving with nobody to own it, then a fleet collapses and its auction sells at the floor,
   * so the shortfall outruns the Reserve's buffer and the savers' assets (a fold inside absorbLoss) and leaves bad
   * debt. A new deposit then restarts the orphaned interest.
   */
  async runOnSavers(): Promise<void> {
    const p = this.p;
    await this.chain.advance(DAY + 60);
    await this.ensureFreshOracle();
    if (await p.savings.read.withdrawalCooldown()) await this.asRole("RISK_CURATOR", p.savings, "SavingsVault", "setWithdrawalCooldown", [0]);
    for (const saver of this.savers) {
      const shares = await p.savings.read.balanceOf([saver.account.address]);
      if (shares > 0n) await this.send("SavingsVault.redeem", "SavingsVault", () => p.savings.write.redeem([shares, saver.account.address, saver.account.address], { account: saver.account }));
    }
    await this.send("Reserve.distribute", "Reserve", () => p.reserve.write.distribute({ account: p.accounts.keeper.account }));
    const indebted = (await this.vaults()).filter((v) => v.normDebt > 0n && v.fleetId !== 0);
    if (indebted.length > 0) {
      // The largest debt, valued at a fifth: far below what it owes.
      let v = indebted[0]!;
      for (const x of indebted) if (x.normDebt > v.normDebt) v = x;
      this.crashes.set(BigInt(v.fleetId), 2_000);
      await this.publishRound();
      const before = await p.auction.read.lastAuctionId();
      await this.send("LiquidationAuction.kick", "LiquidationAuction", () => p.auction.write.kick([v.id, p.accounts.keeper.account.address], { account: p.accounts.keeper.account }));
      const id = await p.auction.read.lastAuctionId();
      if (id > before) {
        await this.chain.advance(Number((await p.auction.read.params()).duration) + HOUR);
        await this.ensureFreshOracle();
        const [needsReset, price] = await p.auction.read.status([id]);
        if (!needsReset) {
          const buyer = this.buyers[1]!;
          await this.fund(buyer, price);
          await this.send("LiquidationAuction.take", "LiquidationAuction", () => p.auction.write.take([id, price, buyer.account.address], { account: buyer.account }));
        }
      }
    }
    await this.deposit(this.savers[1]!);
  }

  async run(): Promise<ScenarioReport> {
    await this.setup();
    let steps = 0;
    let covered = false;
    while (this.report.transactions < this.options.transactions) {
      if (++steps > this.options.transactions * 20) throw new Error(`seed ${this.options.seed}: the scenario stalled at ${this.report.transactions} transactions`);
      if (!covered && this.report.transactions >= this.options.transactions * 0.6) {
        covered = true;
        await this.coverage();
      }
      await this.step();
      // Pauses stay short: each step has a fair chance to lift them.
      if (this.chance(0.25)) await this.unpauseAll();
      if (steps % 50 === 0) this.options.log?.(`seed ${this.options.seed}: ${steps} steps, ${this.report.transactions} transactions`);
    }
    await this.unpauseAll();
    await this.ensureFreshOracle();
    // A last round in which the fleets behind debt fall 8–25 %: the state ends with vaults near or past liquidation
    // that no keeper has acted on yet, which is what analysts look for.
    for (const v of (await this.vaults()).filter((x) => x.normDebt > 0n)) this.crashes.set(BigInt(v.fleetId), this.int(7_500, 9_200));
    await this.publishRound();
    // A change the risk curator has announced and not yet executed: what the timelock shows analysts.
    const announced = encodeFunctionData({ abi: this.p.reserve.abi, functionName: "setReserveFactor", args: [pct(25)] });
    await this.send("AccessManager.schedule", "ProtocolAccessManager", () => this.p.authority.write.schedule([this.p.reserve.address, announced, 0], { account: this.p.accounts.riskCurator.account }));
    await this.countEvents();
    return this.report;
  }

  private async countEvents(): Promise<void> {
    const p = this.p;
    const contracts = { CreditEngine: p.engine, FleetOracle: p.oracle, FleetRegistry: p.registry, PegStabilityModule: p.psm, SavingsVault: p.savings, Reserve: p.reserve, LiquidationAuction: p.auction, GPUSD: p.gpusd, ProtocolAccessManager: p.authority };
    for (const [name, c] of Object.entries(contracts)) {
      const logs = await p.publicClient.getContractEvents({ address: c.address, abi: c.abi as Abi, fromBlock: 0n });
      for (const l of logs as { eventName?: string }[]) {
        const key = `${name}.${l.eventName}`;
        this.report.events[key] = (this.report.events[key] ?? 0) + 1;
      }
    }
  }
}

export async function runScenario(p: Protocol, chain: TestChain, options: ScenarioOptions): Promise<ScenarioReport> {
  return new Scenario(p, chain, options).run();
}
