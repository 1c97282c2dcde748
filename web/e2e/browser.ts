/** Chromium for the browser tests: Debian's binary driven by playwright-core (TOOLCHAIN.md), one context per actor. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { MOCK_ACCOUNT_KEY } from "../lib/config.js";
import { largestFirst } from "../lib/subgraph-rows.js";
import { OUT } from "./stack.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const SCREENSHOTS = join(OUT, "screenshots");

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export type Actor = { context: BrowserContext; page: Page; errors: string[] };

/** Every subgraph query any page sent, with the most rows it asked for (read from the request itself). */
export const subgraphRequests: { query: string; rows: number }[] = [];

function recordSubgraphRequests(context: BrowserContext): void {
  context.on("request", (r) => {
    if (r.method() !== "POST" || !r.url().includes("/subgraphs/name/")) return;
    const { query, variables } = JSON.parse(r.postData() ?? "{}") as { query?: string; variables?: Record<string, unknown> };
    if (query) subgraphRequests.push({ query, rows: largestFirst(query, variables) });
  });
}

/** A browser context signed in (through the mock connector) as `account`, on `path`. */
export async function openAs(browser: Browser, baseUrl: string, account: string, path: string): Promise<Actor> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
  type BrowserGlobal = { localStorage: { setItem(key: string, value: string): void } };
  await context.addInitScript(([key, value]) => (globalThis as unknown as BrowserGlobal).localStorage.setItem(key!, value!), [MOCK_ACCOUNT_KEY, account]);
  // Generous waits: the suite shares a small machine with other work, and a block or a refetch can take seconds there.
  context.setDefaultTimeout(60_000);
  recordSubgraphRequests(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(path);
  await connect(page);
  return { context, page, errors };
}

export async function connect(page: Page): Promise<void> {
  const address = page.getByTestId("wallet-address");
  const button = page.getByRole("button", { name: "Connect test account" });
  // The server renders the connect button; after hydration wagmi may reconnect by itself (the mock connector says it
  // is authorized, as a wallet that trusts the site does). Click only if that does not happen.
  await Promise.race([address.waitFor(), button.click().catch(() => {})]);
  await address.waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits for the toast titled `title` to reach a final state and returns it; throws on `failed` with its message. */
export async function expectConfirmed(page: Page, title: string | RegExp, timeout = 60_000): Promise<void> {
  const toast = page.getByTestId("toast").filter({ has: page.locator(".toast-title", { hasText: title }) }).last();
  await toast.locator("xpath=self::*[@data-status='confirmed' or @data-status='failed']").waitFor({ timeout });
  const status = await toast.getAttribute("data-status");
  if (status !== "confirmed") throw new Error(`transaction "${String(title)}" ${status}: ${await toast.innerText()}`);
}
