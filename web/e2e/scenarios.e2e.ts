/**
 * The app in a real browser against the real stack: Chromium (playwright-core) signs through wagmi's mock connector,
 * which forwards to the Hardhat node's unlocked accounts, and in scenario 5 through an injected browser wallet
 * (injected-wallet.ts) as real users do; contracts come from the Ignition module, the demo story is seeded, and the
 * subgraph runner indexes it. Every figure the tests compare is read from the chain by the test itself. Screenshots
 * of each page go to web/.e2e/screenshots/.
 */
import { strict as assert } from "node:assert";
import type { Browser } from "playwright-core";
import { maxUint256, parseEventLogs, type Address, type Hash } from "viem";
import { aprToApy, formatHealth, formatPct, formatUsd, formatUsdc } from "../../scripts/lib/format.js";
import { startWebServer, type WebServer } from "../../scripts/lib/localServices.js";
import { freePort } from "../../scripts/lib/net.js";
import { onboardFleet, publishRound, usd, USDC_UNIT, WAD, type Valuation } from "../../scripts/lib/protocol.js";
import { MAX_ROWS } from "../lib/subgraph-rows.js";
import { connect, connectWallet, expectConfirmed, launch, openAs, openWithWallet, screenshot, subgraphRequests, type Actor } from "./browser.js";
import { startStack, type Stack } from "./stack.js";
import { expectedStressCount } from "./independent.js";

const verbose = process.env.WEB_E2E_VERBOSE === "1";
const log = (line: string) => {
  if (verbose || !line.startsWith("  demo:")) console.log(`      ${line}`);
};
const usdText = (text: string) => Number(text.replace(/[^0-9.]/g, ""));
/** A wad amount as dollars to four decimals, to compare with `usdText` of what the page shows. */
const wadDollars = (wad: bigint) => Number(wad / 10n ** 14n) / 1e4;
const amountFormat = (wad: bigint, decimals: number) => {
  const s = (wad / 10n ** BigInt(decimals - 2)).toString().padStart(3, "0");
  return `${s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${s.slice(-2)}`;
};

describe("web app in Chromium", function () {
  this.timeout(600_000);
  let stack: Stack;
  let browser: Browser;
  let accounts: Address[];
  const actors: Actor[] = [];
  const servers: WebServer[] = [];

  before(async function () {
    // Building the app and seeding the chain take about a minute each on an idle machine, far longer on a loaded one.
    this.timeout(1_800_000);
    const started = Date.now();
    stack = await startStack({ log });
    browser = await launch();
    accounts = stack.config.mockAccounts;
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  after(async function () {
    for (const a of actors) await a.context.close().catch(() => {});
    await browser?.close();
    for (const s of servers) await s.stop();
    await stack?.stop();
  });

  const actor = async (account: Address, path: string) => {
    const a = await openAs(browser, stack.webUrl, account, path);
    actors.push(a);
    return a;
  };

  /** Redeems other holders' GPUSD at the PSM until its free USDC is `target` (so the next redemption above it queues). */
  async function drainPsm(target: bigint) {
    const d = stack.demo;
    const tout = await d.psm.read.tout();
    for (const name of ["saver", "keeper", "operatorA"] as const) {
      const account = d.accounts[name].account;
      const shares = await d.savings.read.maxRedeem([account.address]);
      if (shares > 0n) await d.savings.write.redeem([shares, account.address, account.address], { account });
      const free = await d.psm.read.freeLiquidity();
      if (free <= target + USDC_UNIT) return;
      const balance = await d.gpusd.read.balanceOf([account.address]);
      // usdcOut = ⌊(g − ⌈g × tout⌉) ÷ 1e12⌋, so g = (free − target) × 1e12 ÷ (1 − tout) pays out just what is needed.
      const needed = ((free - target) * 10n ** 12n * WAD) / (WAD - tout);
      const amount = needed < balance ? needed : balance;
      if (amount === 0n) continue;
      await d.gpusd.write.approve([d.psm.address, maxUint256], { account });
      await d.psm.write.redeem([amount, account.address], { account });
    }
    const free = await d.psm.read.freeLiquidity();
    assert.ok(free <= target + 10n ** 6n, `could not drain the PSM to ${target}: ${free} USDC units still free`);
  }

  it("1. a saver swaps USDC for GPUSD, stakes, sees shares and APY, unstakes, and redeems through the queue, cancelling the queued part", async function () {
    const d = stack.demo;
    const saver = accounts[10]!;
    const { page } = await actor(saver, "/earn");
    await page.getByTestId("earn-usdc-balance").getByText("0.00").waitFor();

    // The faucet (local chain) gives the saver USDC.
    await page.getByRole("button", { name: "Get test USDC" }).click();
    await expectConfirmed(page, "Get 10,000 test USDC");
    await page.getByTestId("earn-usdc-balance").getByText("10,000.00").waitFor();

    // Swap 5,000 USDC → GPUSD (approval first).
    await page.getByTestId("swap-amount").fill("5000");
    const tin = await d.psm.read.tin();
    const expectedOut = 5000n * 10n ** 18n - (5000n * 10n ** 18n * tin + WAD - 1n) / WAD;
    await page.getByTestId("swap-receive").getByText(`${amountFormat(expectedOut, 18)} GPUSD`).waitFor();
    await page.getByTestId("swap-submit").click();
    await expectConfirmed(page, "Approve 5,000.00 USDC for the PSM");
    await expectConfirmed(page, "Swap 5,000.00 USDC for GPUSD");
    assert.equal(await d.gpusd.read.balanceOf([saver]), expectedOut);
    await page.getByTestId("earn-gpusd-balance").getByText(amountFormat(expectedOut, 18)).waitFor();

    // Validation before signing: too many decimals, zero, and a balance too low.
    await page.getByTestId("stake-amount").fill("1.0000000000000000001");
    await page.getByTestId("stake-amount-message").getByText("GPUSD has 18 decimals; this amount has 19.").waitFor();
    await page.getByTestId("stake-amount").fill("0");
    await page.getByTestId("stake-amount-message").getByText("Enter an amount above zero.").waitFor();
    await page.getByTestId("stake-amount").fill("999999");
    await page.getByTestId("stake-amount-message").getByText(/Your balance is too low/).waitFor();
    assert.equal(await page.getByTestId("stake-submit").isDisabled(), true);

    // Stake everything: the share balance and the APY appear.
    await page.getByRole("button", { name: "Use the maximum for GPUSD to stake" }).click();
    const expectedShares = await d.savings.read.previewDeposit([expectedOut]);
    await page.getByTestId("stake-submit").click();
    await expectConfirmed(page, /^Stake /);
    const shares = await d.savings.read.balanceOf([saver]);
    assert.ok(shares > 0n && shares <= expectedShares, `shares ${shares} vs preview ${expectedShares}`);
    await page.getByTestId("earn-shares").getByText(new RegExp(`^${amountFormat(shares / 100n, 22).replace(/\./, "\\.")}`)).waitFor();
    const apyShown = await page.getByTestId("earn-apy").innerText();
    const apy = aprToApy(await d.savings.read.currentApr());
    assert.match(apyShown, /^\d+\.\d\d %$/);
    assert.ok(Math.abs(usdText(apyShown) - usdText(formatPct(apy))) < 0.05, `APY shown ${apyShown}, chain ${formatPct(apy)}`);
    await screenshot(page, "earn-staked");

    // Unstake everything.
    await page.getByRole("radio", { name: "Unstake" }).check();
    await page.getByRole("button", { name: "Use the maximum for GPUSD to unstake" }).click();
    await page.getByTestId("stake-submit").click();
    await expectConfirmed(page, /^Unstake all/);
    assert.equal(await d.savings.read.balanceOf([saver]), 0n);
    await page.getByTestId("earn-shares").getByText("0.0000").waitFor();
    const gpusd = await d.gpusd.read.balanceOf([saver]);
    assert.ok(gpusd >= expectedOut - 10n ** 12n, `unstaked ${gpusd}, staked ${expectedOut}`);

    // Others drain the PSM to 1,000 free USDC, so redeeming 3,000 GPUSD pays part now and queues the rest.
    await drainPsm(1_000n * USDC_UNIT);
    await page.reload();
    await connect(page);
    const free = await d.psm.read.freeLiquidity();
    const tout = await d.psm.read.tout();
    const redeem = 3_000n * WAD;
    const usdcTotal = (redeem - (redeem * tout + WAD - 1n) / WAD) / 10n ** 12n;
    const queued = usdcTotal - free;
    await page.getByRole("radio", { name: "GPUSD → USDC" }).check();
    await page.getByTestId("swap-amount").fill("3000");
    await page.getByTestId("swap-paid-now").getByText(`${formatUsdc(free)} USDC`).waitFor();
    await page.getByTestId("swap-queued").getByText(`${formatUsdc(queued)} USDC`).waitFor();
    await screenshot(page, "earn-redeem-preview");
    const usdcBefore = await d.usdc.read.balanceOf([saver]);
    await page.getByTestId("swap-submit").click();
    await expectConfirmed(page, "Redeem 3,000.00 GPUSD for USDC");
    assert.equal((await d.usdc.read.balanceOf([saver])) - usdcBefore, free);
    const requestId = await d.psm.read.lastRequestId();
    const request = await d.psm.read.request([requestId]);
    assert.equal(request.owner.toLowerCase(), saver.toLowerCase());
    assert.equal(request.amount, queued);

    // The request shows with what is ahead of it, then is cancelled: its GPUSD comes back.
    const row = page.getByTestId(`request-${requestId}`);
    await row.and(page.locator("[data-status=open]")).waitFor();
    await row.getByText(formatUsdc(queued)).first().waitFor();
    await screenshot(page, "earn-queued");
    const gpusdBefore = await d.gpusd.read.balanceOf([saver]);
    await row.getByRole("button", { name: `Cancel request #${requestId}` }).click();
    await expectConfirmed(page, `Cancel redemption request #${requestId}`);
    await row.and(page.locator("[data-status=cancelled]")).waitFor();
    assert.equal((await d.psm.read.request([requestId])).cancelled, true);
    assert.equal((await d.gpusd.read.balanceOf([saver])) - gpusdBefore, queued * 10n ** 12n);
    await screenshot(page, "earn");
  });

  const addedFleets: { fleetId: bigint; value: bigint; freshGpus: number }[] = [];
  /** Every fleet at its current value, for a round that changes only what the caller overrides. */
  const currentValues = async (): Promise<Valuation[]> => {
    // The demo's fleets keep what the oracle network last published for them.
    const demoFleets = await Promise.all(
      stack.demo.fleets.map(async (f) => {
        const s = await stack.demo.oracle.read.fleetState([f.fleetId]);
        return { fleetId: f.fleetId, value: s.value, throughputBps: s.throughputBps, utilizationBps: s.utilizationBps, healthFlags: s.healthFlags, freshGpus: f.gpuCount };
      }),
    );
    return [...demoFleets, ...addedFleets];
  };

  /**
   * The underwriter onboards a fleet of 8 H100s for operatorB and the oracle values it at $160,000; the value matures
   * after the oracle's increase delay. Each scenario onboards its own, so none depends on another having passed.
   */
  async function valuedFleet(name: string): Promise<{ fleetId: bigint; value: bigint }> {
    const d = stack.demo;
    const value = usd(20_000) * 8n;
    const fleetId = await onboardFleet(d, { name, classId: 1, gpuCount: 8, valuePerGpu: usd(20_000), operator: "operatorB", acquiredDaysAgo: 90 });
    addedFleets.push({ fleetId, value, freshGpus: 8 });
    await publishRound(d, await currentValues());
    await d.networkHelpers.time.increase((await d.oracle.read.params()).increaseDelay + 1);
    await publishRound(d, await currentValues());
    return { fleetId, value };
  }

  it("2. an operator opens a vault and borrows; health and liquidation value update; a borrow above the max shows the decoded error; repays and closes", async function () {
    const d = stack.demo;
    const { fleetId: scenarioFleet, value } = await valuedFleet("e2e H100 fleet to borrow against");

    const operator = d.accounts.operatorB.account.address;
    const { page } = await actor(operator, "/borrow");
    const fleetRow = page.getByTestId(`fleet-${scenarioFleet}`);
    await fleetRow.getByText(formatUsd(value)).waitFor();
    await page.getByTestId(`open-vault-${scenarioFleet}`).click();
    await expectConfirmed(page, `Approve fleet #${scenarioFleet} for the credit engine`);
    await expectConfirmed(page, `Open a vault with fleet #${scenarioFleet}`);
    const vaultId = await d.engine.read.lastVaultId();
    assert.equal(BigInt((await d.engine.read.vault([vaultId])).fleetId), scenarioFleet);
    const id = vaultId.toString();
    await page.getByTestId(`vault-health-${id}`).and(page.locator("[data-tone=none]")).waitFor();

    // Borrow 60,000 GPUSD: the preview shows health after, and the vault's figures update once it is mined.
    const params = await d.engine.read.classParams([1]);
    await page.getByTestId(`borrow-amount-${id}`).fill("60000");
    await page.getByTestId(`preview-health-${id}`).waitFor();
    const previewHealth = await page.getByTestId(`preview-health-${id}`).getAttribute("data-health");
    assert.equal(previewHealth, ((value * params.liquidationLtv) / WAD * WAD / (await expectedDebtAfter(60_000n * WAD))).toString());
    await page.getByTestId(`borrow-submit-${id}`).click();
    await expectConfirmed(page, `Borrow 60,000.00 GPUSD from vault #${id}`);
    const health = await d.engine.read.healthOf([vaultId]);
    await page.getByTestId(`vault-health-${id}`).getByText(formatHealth(health)).waitFor();
    assert.notEqual(await page.getByTestId(`vault-health-${id}`).getAttribute("data-tone"), "none");
    const debt = await d.engine.read.debtOf([vaultId]);
    const threshold = (debt * WAD + params.liquidationLtv - 1n) / params.liquidationLtv;
    const shownThreshold = usdText(await page.getByTestId(`vault-threshold-${id}`).innerText());
    assert.ok(Math.abs(shownThreshold - wadDollars(threshold)) < 0.05, `threshold shown ${shownThreshold}, chain ${formatUsd(threshold)}`);
    await screenshot(page, "borrow");

    // Above the max: the field says so and the engine's own refusal is decoded before anything is signed.
    const maxBorrow = await d.engine.read.maxBorrow([vaultId]);
    const maxDebt = ((await d.oracle.read.borrowValue([scenarioFleet])) * params.maxLtv) / WAD;
    await page.getByTestId(`borrow-amount-${id}`).fill(String(maxBorrow / WAD + 1000n));
    await page.getByTestId(`borrow-amount-${id}-message`).getByText(/Above your max borrow/).waitFor();
    const refusal = page.getByTestId(`refusal-${id}`);
    await refusal.waitFor();
    const sentence = await refusal.innerText();
    assert.match(sentence, new RegExp(`vault #${id}'s debt to \\$[0-9,.]+, above the ${formatUsd(maxDebt).replace(/[$.]/g, "\\$&")} its fleet can back`));
    assert.equal(await page.getByTestId(`borrow-submit-${id}`).isDisabled(), true);
    await screenshot(page, "borrow-over-max");

    // Repay 20,000, then top up at the PSM for the interest, repay everything and close.
    await page.getByRole("radio", { name: "Repay" }).check();
    await page.getByTestId(`repay-amount-${id}`).fill("20000");
    await page.getByTestId(`repay-submit-${id}`).click();
    await expectConfirmed(page, `Repay 20,000.00 GPUSD to vault #${id}`);
    const debtAfter = await d.engine.read.debtOf([vaultId]);
    assert.ok(debtAfter < debt - 19_999n * WAD, `debt ${debt} → ${debtAfter}`);

    await page.goto("/earn");
    await connect(page);
    await page.getByTestId("swap-amount").fill("100");
    await page.getByTestId("swap-submit").click();
    await expectConfirmed(page, "Swap 100.00 USDC for GPUSD");
    await page.goto("/borrow");
    await connect(page);
    await page.getByRole("radio", { name: "Repay" }).first().check();
    await page.getByRole("button", { name: `Use the maximum for GPUSD to repay to vault #${id}` }).click();
    await page.getByTestId(`repay-submit-${id}`).click();
    await expectConfirmed(page, `Repay all of vault #${id}'s debt`);
    assert.equal(await d.engine.read.debtOf([vaultId]), 0n);
    await page.getByTestId(`close-${id}`).click();
    await expectConfirmed(page, `Close vault #${id}`);
    assert.equal((await d.registry.read.ownerOf([scenarioFleet])).toLowerCase(), operator.toLowerCase());
    await page.getByTestId(`vault-${id}`).waitFor({ state: "detached" });
    await page.getByTestId(`fleet-${scenarioFleet}`).waitFor();

    async function expectedDebtAfter(amount: bigint) {
      // A first borrow on an empty vault: normDebt = ⌈amount × RAY ÷ rate⌉, debt = ⌈normDebt × rate ÷ RAY⌉, at the rate
      // the page read (the class accumulator projected to the last block).
      const rate = (await d.engine.read.classState([1])).rate;
      const RAY = 10n ** 27n;
      const norm = (amount * RAY + rate - 1n) / rate;
      return (norm * rate + RAY - 1n) / RAY;
    }
  });

  it("3. a falling oracle round makes a vault liquidatable; its auction appears and a liquidator takes it", async function () {
    const d = stack.demo;
    // operatorB borrows against a new fleet (outside the app), then the fleet's value falls 40 %.
    const { fleetId: scenarioFleet } = await valuedFleet("e2e H100 fleet to liquidate");
    const operator = d.accounts.operatorB.account;
    await d.registry.write.approve([d.engine.address, scenarioFleet], { account: operator });
    await d.engine.write.open([scenarioFleet], { account: operator });
    const vaultId = await d.engine.read.lastVaultId();
    await d.engine.write.borrow([vaultId, (await d.engine.read.maxBorrow([vaultId])) - WAD, operator.address], { account: operator });
    const fallen = addedFleets.find((f) => f.fleetId === scenarioFleet)!;
    fallen.value = (fallen.value * 60n) / 100n;
    await publishRound(d, (await currentValues()).map((v) => (v.fleetId === scenarioFleet ? { ...v, utilizationBps: 4_000 } : v)));
    const [liquidatable, unhealthy] = await d.engine.read.isLiquidatable([vaultId]);
    assert.ok(liquidatable && unhealthy, "the round should make the vault unhealthy");

    // A liquidator with GPUSD (bought at the PSM) starts the auction from the app and takes it with a price guard.
    const liquidator = d.accounts.stranger.account;
    await d.usdc.write.mint([liquidator.address, 200_000n * USDC_UNIT]);
    await d.usdc.write.approve([d.psm.address, maxUint256], { account: liquidator });
    await d.psm.write.sellUsdc([200_000n * USDC_UNIT, liquidator.address], { account: liquidator });
    const { page } = await actor(liquidator.address, "/auctions");
    await page.getByTestId(`kick-${vaultId}`).click();
    await expectConfirmed(page, `Start the auction of vault #${vaultId}`);
    const auctionId = await d.auction.read.lastAuctionId();
    const card = page.getByTestId(`auction-${auctionId}`);
    await card.waitFor();
    const [, price] = await d.auction.read.status([auctionId]);
    const shown = usdText(await page.getByTestId(`auction-price-${auctionId}`).innerText());
    assert.ok(Math.abs(shown - wadDollars(price)) / shown < 0.01, `price shown ${shown}, chain ${formatUsd(price)}`);
    const toFloor = await page.getByTestId(`auction-to-floor-${auctionId}`).innerText();
    assert.match(toFloor, /\d+ (d|h|min)/);
    await screenshot(page, "auctions");

    // A maximum below the price is refused with the decoded error; at the price it goes through.
    await page.getByTestId(`take-max-${auctionId}`).fill("1000");
    await page.getByTestId(`take-refusal-${auctionId}`).getByText(/above your maximum of \$1,000\.00/).waitFor();
    await page.getByRole("button", { name: `Use the maximum for Maximum price for auction #${auctionId}` }).click();
    await page.getByTestId(`take-submit-${auctionId}`).click();
    await expectConfirmed(page, new RegExp(`^Take auction #${auctionId}`));
    assert.equal((await d.registry.read.ownerOf([scenarioFleet])).toLowerCase(), liquidator.address.toLowerCase());
    await card.waitFor({ state: "detached" });
    await stack.syncSubgraph();
    await page.getByTestId(`history-auction-${auctionId}`).getByText("taken", { exact: false }).waitFor({ timeout: 30_000 });
    await screenshot(page, "auctions-taken");
  });

  it("4. the stress slider changes the count of liquidatable vaults to the value computed independently", async function () {
    const d = stack.demo;
    const { page } = await actor(accounts[0]!, "/risk");
    await page.getByTestId("stress-count").waitFor();
    const now = Number((await d.publicClient.getBlock()).timestamp);
    const base = await expectedStressCount(d, now, { rental: 0, utilization: 0 });
    assert.equal(await page.getByTestId("stress-count").innerText(), String(base.count));
    // Every rental shock in the slider's 5 % steps up to 90 %: the whole curve must match, not just one point, so a
    // threshold or re-pricing that is only slightly off shows at the step where a vault crosses health 1.
    let shock = 0;
    const counts: number[] = [];
    for (let s = 5; s <= 90; s += 5) {
      const expected = await expectedStressCount(d, now, { rental: s / 100, utilization: 0 });
      await page.getByTestId("stress-rental").fill(String(s));
      // The count rendered for this very shock (data-shock), so a count left over from the last step cannot pass.
      await page.locator(`[data-testid=stress-count][data-shock="${s},0"]`).getByText(String(expected.count), { exact: true }).waitFor({ timeout: 10_000 });
      if (shock === 0 && expected.count !== base.count) shock = s;
      counts.push(expected.count);
    }
    assert.ok(new Set(counts).size >= 2 && shock > 0, `the count stays at ${counts.join(", ")} over the range: the test would prove little`);
    // A utilization shock on top of the first rental shock that changes the count.
    await page.getByTestId("stress-rental").fill(String(shock));
    const both = await expectedStressCount(d, now, { rental: shock / 100, utilization: 0.5 });
    await page.getByTestId("stress-utilization").fill("50");
    await page.locator(`[data-testid=stress-count][data-shock="${shock},50"]`).getByText(String(both.count), { exact: true }).waitFor();
    await screenshot(page, "risk");
  });

  it("5. a browser wallet (an injected EIP-1193 provider pointed at the local node) connects, is prompted to switch network, then sees the demo's vaults, auctions and history, and signs a transaction", async function () {
    const d = stack.demo;
    // The app as deployed for real users: test mode off, so wagmi's injected connector is its only one. (In test mode
    // the mock connector counts as authorized on every page load, whatever a fresh context's storage holds, and
    // reconnects beside any wallet.) The same build, served by a second `next start`.
    const web = await startWebServer({ ...stack.config, testMode: false, mockAccounts: [] }, await freePort(), log);
    servers.push(web);

    // operatorA keeps the demo's one paying vault and the emptied vault of its auctioned fleet; no other scenario
    // borrows or repays for it.
    const owner = d.accounts.operatorA.account.address;
    const lastVault = await d.engine.read.lastVaultId();
    const owned = [];
    for (let vaultId = 1n; vaultId <= lastVault; vaultId++) {
      const vault = await d.engine.read.vault([vaultId]);
      if (vault.owner.toLowerCase() === owner.toLowerCase()) owned.push({ vaultId, fleetId: BigInt(vault.fleetId), debt: await d.engine.read.debtOf([vaultId]) });
    }
    const paying = owned.find((v) => v.debt > 0n && v.fleetId !== 0n);
    assert.ok(paying, `operatorA should own a vault with a fleet and debt: ${JSON.stringify(owned, (_, x) => (typeof x === "bigint" ? String(x) : x))}`);

    const opened = await openWithWallet(browser, web.url, { rpcUrl: stack.rpcUrl, chainId: d.chainId, account: owner, startChainId: 1 }, "/borrow");
    actors.push(opened);
    const { page, errors } = opened;
    /** Waits until `testId` shows `wad` in dollars to within $1: interest accrues between the page's read and the test's. */
    const expectUsd = async (testId: string, wad: bigint) => {
      const expected = wadDollars(wad);
      for (const deadline = Date.now() + 30_000; ; await page.waitForTimeout(500)) {
        const shown = usdText(await page.getByTestId(testId).innerText());
        if (Math.abs(shown - expected) < 1) return;
        if (Date.now() > deadline) assert.fail(`${testId} shows ${shown}, the chain ${expected}`);
      }
    };

    // Connect: the wallet is on chain 1, so the app says so and shows no vaults until it switches.
    await connectWallet(page);
    const address = page.getByTestId("wallet-address");
    assert.equal((await address.getAttribute("title"))?.toLowerCase(), owner.toLowerCase());
    assert.equal(await page.getByRole("button", { name: "Connect test account" }).count(), 0);
    const banner = page.getByTestId("wrong-network");
    await banner.getByText(`Your wallet is on chain 1. This app runs on ${stack.config.chainName} (chain ${d.chainId}).`).waitFor();
    await page.getByText("Connect a wallet to see your fleets and vaults.").waitFor();
    await screenshot(page, "wallet-wrong-network");
    await banner.getByRole("button", { name: `Switch to ${stack.config.chainName}` }).click();
    await banner.waitFor({ state: "detached" });

    // The borrow page lists exactly the vaults the chain says the wallet's account owns, with the chain's figures.
    for (const v of owned) {
      const id = v.vaultId.toString();
      const card = page.getByTestId(`vault-${id}`);
      await card.waitFor();
      if (v.fleetId === 0n && v.debt === 0n) {
        await card.getByRole("heading", { name: `Vault #${id} · empty` }).waitFor();
        continue;
      }
      const [liquidationValue] = await d.oracle.read.liquidationValue([v.fleetId]);
      await page.getByTestId(`vault-value-${id}`).getByText(formatUsd(liquidationValue), { exact: true }).waitFor();
      await page.getByTestId(`vault-health-${id}`).getByText(formatHealth(await d.engine.read.healthOf([v.vaultId]))).waitFor();
      await expectUsd(`vault-debt-${id}`, await d.engine.read.debtOf([v.vaultId]));
    }
    assert.equal(await page.locator("section[data-testid^='vault-']").count(), owned.length);
    await screenshot(page, "wallet-borrow");

    // History from the subgraph: the paying vault's fleet, its valuations round by round as the oracle emitted them.
    await stack.syncSubgraph();
    await page.getByTestId(`vault-${paying.vaultId}`).getByRole("link", { name: `fleet #${paying.fleetId}`, exact: true }).click();
    const [valued, rounds] = await Promise.all([d.oracle.getEvents.FleetValued({ fleetId: paying.fleetId }, { fromBlock: 0n }), d.oracle.getEvents.RoundSubmitted({}, { fromBlock: 0n })]);
    // Each valuation belongs to the round submitted in the same transaction.
    const valuations = new Map(
      valued.map((v) => {
        const round = rounds.find((r) => r.transactionHash === v.transactionHash)!.args;
        return [`#${round.roundId}`, { observedAt: round.observedAt!, value: formatUsd(v.args.value!) }];
      }),
    );
    // The page shows the newest 20, newest first; rounds observed at the same second may come in either order.
    const expectedRows = Math.min(20, valuations.size);
    const cutoff = [...valuations.values()].map((v) => v.observedAt).sort((a, b) => b - a)[expectedRows - 1]!;
    const historyTable = page.getByTestId("fleet-history").locator("tbody");
    await historyTable.locator("tr").first().waitFor();
    const [shownRounds, shownValues] = await Promise.all([historyTable.locator("td:nth-child(1)").allInnerTexts(), historyTable.locator("td:nth-child(3)").allInnerTexts()]);
    assert.equal(shownRounds.length, expectedRows);
    assert.equal(new Set(shownRounds).size, shownRounds.length, `a round is listed twice: ${shownRounds.join(", ")}`);
    shownRounds.forEach((round, i) => {
      const expected = valuations.get(round);
      assert.ok(expected && expected.observedAt >= cutoff, `row ${i}: round ${round} is not among the fleet's newest ${expectedRows} valuations on chain`);
      assert.equal(shownValues[i], expected.value, `round ${round}'s value`);
      if (i > 0) assert.ok(valuations.get(shownRounds[i - 1]!)!.observedAt >= expected.observedAt, `round ${round} is listed after a round observed earlier`);
    });
    for (const [round, v] of valuations) if (v.observedAt > cutoff) assert.ok(shownRounds.includes(round), `round ${round} is missing`);
    await address.waitFor();
    await screenshot(page, "wallet-fleet-history");

    // Auctions: none live unless the chain has one, and every auction the chain kicked in the history, as it ended.
    await page.goto("/auctions");
    await address.waitFor();
    const [kicked, taken, lastAuction] = await Promise.all([d.auction.getEvents.Kicked({}, { fromBlock: 0n }), d.auction.getEvents.Taken({}, { fromBlock: 0n }), d.auction.read.lastAuctionId()]);
    assert.ok(kicked.length >= 2 && BigInt(kicked.length) === lastAuction, `the demo kicks two auctions; the chain has ${kicked.length} Kicked events, lastAuctionId ${lastAuction}`);
    let live = 0;
    for (const k of kicked) if ((await d.auction.read.auction([k.args.auctionId!])).tab !== 0n) live++;
    await page.getByTestId("auctions-live-count").getByText(String(live), { exact: true }).waitFor();
    for (const k of kicked) {
      const row = page.getByTestId(`history-auction-${k.args.auctionId}`);
      await row.getByText(new RegExp(`vault #${k.args.vaultId}\\b`)).waitFor();
      const sale = taken.find((t) => t.args.auctionId === k.args.auctionId);
      if (sale) {
        await row.getByText(formatUsd(sale.args.price!), { exact: true }).waitFor();
        await row.getByText("taken", { exact: true }).waitFor();
      } else await row.getByText("running", { exact: true }).waitFor();
    }
    assert.equal(await page.getByTestId("auction-history").locator("tbody tr").count(), kicked.length);
    await screenshot(page, "wallet-auctions");

    // Sign: repay 100 GPUSD to the paying vault. GPUSD bought at the PSM outside the app first, since scenario 1's
    // drainPsm may redeem operatorA's. The reload also checks the wallet reconnects by itself, on the chain it switched to.
    const amount = 100n * WAD;
    const ownerAccount = d.accounts.operatorA.account;
    await d.usdc.write.mint([owner, 1_000n * USDC_UNIT]);
    await d.usdc.write.approve([d.psm.address, maxUint256], { account: ownerAccount });
    await d.psm.write.sellUsdc([1_000n * USDC_UNIT, owner], { account: ownerAccount });
    await page.goto("/borrow");
    await address.waitFor();
    const id = paying.vaultId.toString();
    await page.getByTestId(`vault-${id}`).getByRole("radio", { name: "Repay" }).check();
    assert.equal(await banner.count(), 0);
    const gpusdBefore = await d.gpusd.read.balanceOf([owner]);
    const debtBefore = await d.engine.read.debtOf([paying.vaultId]);
    await page.getByTestId(`repay-amount-${id}`).fill("100");
    await page.getByTestId(`repay-submit-${id}`).click();
    const title = `Repay 100.00 GPUSD to vault #${id}`;
    await expectConfirmed(page, title);
    const link = page.getByTestId("toast").filter({ has: page.locator(".toast-title", { hasText: title }) }).last().locator(".toast-link");
    const hash = (await link.getAttribute("href"))!.split("/").at(-1) as Hash;
    const [tx, receipt] = await Promise.all([d.publicClient.getTransaction({ hash }), d.publicClient.getTransactionReceipt({ hash })]);
    assert.equal(tx.from.toLowerCase(), owner.toLowerCase());
    const [repaid] = parseEventLogs({ abi: d.engine.abi, eventName: "Repaid", logs: receipt.logs });
    assert.ok(repaid, `transaction ${hash} emitted no Repaid`);
    assert.equal(repaid.args.vaultId, paying.vaultId);
    assert.equal(repaid.args.payer.toLowerCase(), owner.toLowerCase());
    assert.equal(repaid.args.amount, amount);
    assert.equal(gpusdBefore - (await d.gpusd.read.balanceOf([owner])), amount);
    const debtAfter = await d.engine.read.debtOf([paying.vaultId]);
    // Less the repayment, plus the interest of the seconds between the two reads.
    assert.ok(debtAfter < debtBefore - amount + WAD, `debt ${debtBefore} → ${debtAfter}`);
    await expectUsd(`vault-debt-${id}`, debtAfter);
    await screenshot(page, "wallet-repaid");
    assert.deepEqual(errors, []);
  });

  it("renders the fleet detail and transaction pages without errors", async function () {
    const { page, errors } = await actor(accounts[0]!, `/fleets/${stack.demo.fleets[0]!.fleetId}`);
    await page.getByTestId("fleet-value").waitFor();
    await page.getByTestId("fleet-history").locator("svg").first().waitFor();
    await screenshot(page, "fleet");
    const hash = (await stack.demo.publicClient.getBlock({ includeTransactions: false })).transactions[0]!;
    await page.goto(`/tx/${hash}`);
    await page.getByTestId("tx-status").getByText("confirmed").waitFor();
    await screenshot(page, "tx");
    assert.deepEqual(errors, []);
  });

  it("sent no subgraph query for more than 1,000 rows on any page above", function () {
    assert.ok(subgraphRequests.length >= 4, `only ${subgraphRequests.length} subgraph queries were seen: the check would prove nothing`);
    const largest = subgraphRequests.reduce((a, b) => (b.rows > a.rows ? b : a));
    assert.ok(largest.rows <= MAX_ROWS, `a query asked for ${largest.rows} rows: ${largest.query}`);
  });
});
