/** Chromium for the browser tests: Debian's binary driven by playwright-core (TOOLCHAIN.md), one context per actor. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { MOCK_ACCOUNT_KEY } from "../lib/config.js";
import { largestFirst } from "../lib/subgraph-rows.js";
import { injectedWalletScript, type InjectedWallet } from "./injected-wallet.js";
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

/** A browser context, prepared by `setup` (its init scripts run before the app's own), on `path`. */
async function open(browser: Browser, baseUrl: string, path: string, setup: (context: BrowserContext) => Promise<unknown>): Promise<Actor> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
  await setup(context);
  // Generous waits: the suite shares a small machine with other work, and a block or a refetch can take seconds there.
  context.setDefaultTimeout(60_000);
  recordSubgraphRequests(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(path);
  return { context, page, errors };
}

/** A browser context signed in (through the mock connector) as `account`, on `path`. */
export async function openAs(browser: Browser, baseUrl: string, account: string, path: string): Promise<Actor> {
  type BrowserGlobal = { localStorage: { setItem(key: string, value: string): void } };
  const actor = await open(browser, baseUrl, path, (context) =>
    context.addInitScript(([key, value]) => (globalThis as unknown as BrowserGlobal).localStorage.setItem(key!, value!), [MOCK_ACCOUNT_KEY, account]),
  );
  await connect(actor.page);
  return actor;
}

/** A browser context with `wallet` injected as `window.ethereum`, on `path`, not yet connected to the app. */
export function openWithWallet(browser: Browser, baseUrl: string, wallet: InjectedWallet, path: string): Promise<Actor> {
  return open(browser, baseUrl, path, (context) => context.addInitScript({ content: injectedWalletScript(wallet) }));
}

export async function connect(page: Page): Promise<void> {
  const address = page.getByTestId("wallet-address");
  const button = page.getByRole("button", { name: "Connect test account" });
  // The server renders the connect button; after hydration wagmi may reconnect by itself (the mock connector says it
  // is authorized, as a wallet that trusts the site does). Click only if that does not happen.
  await Promise.race([address.waitFor(), button.click().catch(() => {})]);
  await address.waitFor();
}

/**
 * Connects the injected wallet: clicks "Connect wallet" until the app shows an account. Nothing reconnects by itself in
 * a fresh context, and a click that lands before React has hydrated the server-rendered button does nothing.
 */
export async function connectWallet(page: Page): Promise<void> {
  const address = page.getByTestId("wallet-address");
  const button = page.getByRole("button", { name: "Connect wallet" });
  const deadline = Date.now() + 60_000;
  while (!(await address.isVisible())) {
    if (Date.now() > deadline) throw new Error("the app never showed the wallet's account");
    // While a connection is pending the button is disabled, so a click here cannot start a second one.
    await button.click({ timeout: 5_000 }).catch(() => {});
    await address.waitFor({ timeout: 5_000 }).catch(() => {});
  }
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
