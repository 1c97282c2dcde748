/**
 * `npm run bench:web`: the web app's performance targets (issue #6), measured against the seeded local stack with
 * headless Chromium, written to bench/web.json.
 *
 * - First-load JS per route: every JavaScript file the browser fetches to render and hydrate the route on a cold
 *   cache (until the network is idle), gzipped at level 9 and summed. Next 16 no longer prints these sizes.
 * - Borrow health visible: a connected operator on a warm server and a warm browser cache opens /borrow; the time from
 *   navigation start until the vault's health badge is on screen (median of several loads). The cold-cache time
 *   (fresh browser profile, same connected wallet) is reported beside it.
 * - Chart data: the largest `first` of any subgraph query the pages send, read from the requests themselves; the run
 *   fails if it is above 1,000 rows.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { launch, openAs } from "../e2e/browser.js";
import { MAX_ROWS, largestFirst } from "../lib/subgraph-rows.js";
import { ROOT, startStack, type Stack } from "../e2e/stack.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const log = (line: string) => console.log(line);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function firstLoadJs(browser: Browser, stack: Stack, path: string, account: string) {
  const { context, page } = await openAs(browser, stack.webUrl, account, "/earn");
  // The wallet is connected in this profile; measure a fresh profile's cache by clearing what /earn loaded.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.clearBrowserCache");
  const scripts = new Map<string, number>();
  const queries: number[] = [];
  page.on("response", async (r) => {
    const url = r.url();
    if (r.request().resourceType() === "script" || /\/_next\/static\/.*\.js(\?|$)/.test(url)) {
      const body = await r.body().catch(() => null);
      if (body) scripts.set(url, gzipSync(body, { level: 9 }).length);
    }
  });
  page.on("request", (r) => {
    if (r.url() === stack.graphqlUrl && r.method() === "POST") {
      const { query, variables } = JSON.parse(r.postData() ?? "{}") as { query?: string; variables?: Record<string, unknown> };
      if (query) queries.push(largestFirst(query, variables));
    }
  });
  await page.goto(path, { waitUntil: "networkidle" });
  await page.waitForTimeout(500);
  await context.close();
  const bytes = [...scripts.values()].reduce((a, b) => a + b, 0);
  return { kbGz: Math.round((bytes / 1024) * 10) / 10, files: scripts.size, maxFirst: Math.max(0, ...queries) };
}

const queriesSeen = (perRoute: Record<string, { maxFirst: number }>) => Object.values(perRoute).some((r) => r.maxFirst > 0);

async function healthVisible(page: Page, selector: string): Promise<number> {
  await page.goto("/borrow");
  await page.locator(selector).waitFor({ timeout: 30_000 });
  return page.evaluate(() => performance.now());
}

async function main() {
  const loadBefore = loadavg();
  const stack = await startStack({ log });
  const browser = await launch();
  try {
    const d = stack.demo;
    const operator = d.accounts.operatorA.account.address;
    const vaultId = d.vaults[0]!.vaultId;
    const fleetId = d.fleets[0]!.fleetId;
    const tx = (await d.publicClient.getBlock()).transactions[0]!;
    const routes = ["/earn", "/borrow", "/auctions", "/risk", `/fleets/${fleetId}`, `/tx/${tx}`];
    const perRoute: Record<string, { kbGz: number; files: number; maxFirst: number }> = {};
    for (const route of routes) {
      perRoute[route] = await firstLoadJs(browser, stack, route, operator);
      log(`${route}: ${perRoute[route]!.kbGz} KB gzipped JS in ${perRoute[route]!.files} files`);
    }

    const selector = `[data-testid=vault-health-${vaultId}]`;
    const warm = await openAs(browser, stack.webUrl, operator, "/borrow");
    await warm.page.locator(selector).waitFor();
    const warmTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) warmTimes.push(await healthVisible(warm.page, selector));
    await warm.context.close();
    const coldTimes: number[] = [];
    for (let i = 0; i < Math.min(3, RUNS); i++) {
      const cold = await openAs(browser, stack.webUrl, operator, "/earn");
      const cdp = await cold.context.newCDPSession(cold.page);
      await cdp.send("Network.clearBrowserCache");
      coldTimes.push(await healthVisible(cold.page, selector));
      await cold.context.close();
    }
    const result = {
      maxFirstLoadKbGz: Math.max(...Object.values(perRoute).map((r) => r.kbGz)),
      borrowHealthVisibleMs: Math.round(median(warmTimes)),
      borrowHealthVisibleColdCacheMs: Math.round(median(coldTimes)),
      maxSubgraphRowsRequested: Math.max(...Object.values(perRoute).map((r) => r.maxFirst)),
      firstLoadKbGzByRoute: Object.fromEntries(Object.entries(perRoute).map(([k, v]) => [k.replace(/0x[0-9a-f]+$/, "[hash]").replace(/\/\d+$/, "/[id]"), v.kbGz])),
      warmRunsMs: warmTimes.map(Math.round),
      targets: { maxFirstLoadKbGz: 250, borrowHealthVisibleMs: 1500, maxSubgraphRowsRequested: MAX_ROWS },
      machine: `${cpus().length} CPU cores (${cpus()[0]?.model ?? "unknown"}), headless Chromium, next start on localhost`,
      // 1-minute load average before the stack started and after the measurements: other work shares this machine.
      loadAverage: { before: Number(loadBefore[0]!.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
      measuredAt: new Date().toISOString(),
    };
    mkdirSync(join(ROOT, "bench"), { recursive: true });
    writeFileSync(join(ROOT, "bench", "web.json"), JSON.stringify(result, null, 2) + "\n");
    log(JSON.stringify(result, null, 2));
    if (result.maxSubgraphRowsRequested > MAX_ROWS) throw new Error(`a page asked the subgraph for ${result.maxSubgraphRowsRequested} rows, above ${MAX_ROWS}`);
    if (!queriesSeen(perRoute)) throw new Error("no page sent a subgraph query: the row check proved nothing");
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
