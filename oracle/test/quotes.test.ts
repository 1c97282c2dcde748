import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import {
  NoQuotesError,
  QuoteError,
  fileQuoteSource,
  httpQuoteSource,
  loadQuotes,
  parseQuotes,
  rentalRate,
  type Quote,
  type QuoteSource,
} from "../src/quotes/index.js";
import { loadClassParams } from "../src/valuation/index.js";

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const quote = (usdPerHour: number, source: string, over: Partial<Quote> = {}): Quote => ({
  classKey: "H100-SXM",
  usdPerHour,
  source,
  observedOn: "2025-06-01",
  kind: "on-demand",
  ...over,
});
const NOW = day("2025-06-15");
const FRESH = { now: NOW, maxQuoteAgeDays: 30 };

describe("rental rate", () => {
  it("is the median less the median absolute deviation of the sources' prices", () => {
    const quotes = [quote(1, "a"), quote(2, "b"), quote(3, "c"), quote(4, "d"), quote(10, "e")];
    // median 3; |p − 3| = 2, 1, 0, 1, 7 → MAD 1
    assert.deepEqual(rentalRate(quotes, "H100-SXM", FRESH), { rate: 2, median: 3, spread: 1, count: 5, sources: 5 });
  });

  it("does not move when one source quotes an absurd price", () => {
    const base = [quote(1, "a"), quote(2, "b"), quote(3, "c"), quote(4, "d")];
    const withOutlier = rentalRate([...base, quote(99, "e")], "H100-SXM", FRESH);
    const withOrdinary = rentalRate([...base, quote(5, "e")], "H100-SXM", FRESH);
    assert.deepEqual(withOutlier, withOrdinary);
  });

  it("gives each publisher one vote, however many quotes it lists", () => {
    const many = [quote(10, "Big"), quote(10, "big "), quote(10, "BIG"), quote(2, "x"), quote(3, "y")];
    const r = rentalRate(many, "H100-SXM", FRESH);
    assert.equal(r.sources, 3);
    assert.equal(r.count, 5);
    assert.equal(r.median, 3); // of 2, 3, 10: not 10, which it would be with one vote per quote
  });

  it("is never above the median and never negative", () => {
    // With positive prices the MAD cannot exceed the median (half the prices lie at or below it, each within median
    // of it), so the max(0, …) guard never binds; a seeded random sweep checks both ends.
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 2000; trial++) {
      const n = 1 + Math.floor(rand() * 9);
      const quotes = Array.from({ length: n }, (_, i) => quote(0.01 + rand() * (rand() < 0.2 ? 99 : 5), `s${i}`));
      const r = rentalRate(quotes, "H100-SXM", FRESH);
      assert.ok(r.rate >= 0 && r.rate <= r.median && r.spread >= 0, JSON.stringify({ quotes: quotes.map((q) => q.usdPerHour), r }));
    }
    const split = rentalRate([quote(0.1, "a"), quote(0.1, "b"), quote(60, "c"), quote(60, "d")], "H100-SXM", FRESH);
    assert.equal(split.median, 30.05);
    assert.equal(split.spread, 29.95);
    assert.ok(Math.abs(split.rate - 0.1) < 1e-12); // a market split in two is priced at its cheap half
    const one = rentalRate([quote(2.5, "a")], "H100-SXM", FRESH);
    assert.deepEqual(one, { rate: 2.5, median: 2.5, spread: 0, count: 1, sources: 1 });
  });

  it("ignores other classes, stale quotes and quotes dated in the future", () => {
    const quotes = [
      quote(2, "a"),
      quote(3, "b", { observedOn: "2025-05-16" }), // 30 days before NOW: still fresh
      quote(100, "c", { observedOn: "2025-05-15" }), // 31 days: stale
      quote(100, "d", { observedOn: "2025-06-16" }), // tomorrow
      quote(100, "e", { classKey: "H200-SXM" }),
    ];
    assert.deepEqual(rentalRate(quotes, "H100-SXM", FRESH), { rate: 2, median: 2.5, spread: 0.5, count: 2, sources: 2 });
  });

  it("says what to do when no quote is fresh or the class key matches nothing", () => {
    assert.throws(() => rentalRate([quote(2, "a")], "H100-SXM", { now: day("2026-01-01"), maxQuoteAgeDays: 30 }), (e: Error) =>
      e instanceof NoQuotesError && /no H100-SXM quote observed within 30 days of 2026-01-01; add a live source or raise maxQuoteAgeDays/.test(e.message),
    );
    assert.throws(() => rentalRate([quote(2, "a")], "B200", FRESH), /no quote for B200; check the class's rentalIndexKey/);
  });
});

describe("shipped rental quotes", () => {
  it("hold at least five dated, sourced quotes for every class, under the class's rental index key", async () => {
    const quotes = await fileQuoteSource().load();
    const classes = await loadClassParams();
    for (const params of classes.values()) {
      const mine = quotes.filter((q) => q.classKey === params.rentalIndexKey);
      assert.ok(mine.length >= 5, `${params.rentalIndexKey}: ${mine.length} quotes`);
      for (const q of mine) assert.ok(q.url?.startsWith("https://") && q.observedOn >= "2025-01-01", JSON.stringify(q));
      const r = rentalRate(quotes, params.rentalIndexKey, { now: day("2025-12-31"), maxQuoteAgeDays: 365 });
      assert.ok(r.rate > 0 && r.rate <= r.median, `${params.rentalIndexKey}: ${JSON.stringify(r)}`);
    }
  });
});

describe("quote validation", () => {
  it("names the entry, the field and the value of every problem", () => {
    const bad = [quote(2, "ok"), { ...quote(-1, "neg"), kind: "spot" }, { ...quote(2, ""), observedOn: "2025-02-30" }, "x"];
    assert.throws(
      () => parseQuotes(bad, "feed"),
      (e: Error) =>
        e instanceof QuoteError &&
        e.message ===
          [
            "feed[1].usdPerHour -1 must be a number > 0 and ≤ 100 (USD per GPU-hour)",
            'feed[1].kind "spot" must be one of on-demand, reserved, marketplace, index',
            'feed[2].source "" must be a non-empty string',
            'feed[2].observedOn "2025-02-30" must be a date YYYY-MM-DD',
            'feed[3] "x" is not an object',
          ].join("; "),
    );
  });

  it("rejects a missing field, a per-instance price and a non-http url", () => {
    const { classKey: _drop, ...noClass } = quote(2, "a");
    assert.throws(() => parseQuotes([noClass], "f"), /f\[0\]\.classKey \(missing\) must be a non-empty string/);
    assert.throws(() => parseQuotes([quote(98.32 * 8, "a")], "f"), /f\[0\]\.usdPerHour 786.56 must be a number > 0 and ≤ 100/);
    assert.throws(() => parseQuotes([quote(2, "a", { url: "ftp://x" })], "f"), /f\[0\]\.url "ftp:\/\/x" must be an http\(s\) URL/);
    assert.throws(() => parseQuotes({ prices: [] }, "f"), /f: expected an array of quotes or \{ "quotes": \[\.\.\.\] \}/);
  });

  it("accepts a bare array or { quotes } and keeps only the known fields", () => {
    const extra = { ...quote(2, "a", { url: "https://a.example" }), secret: 1 };
    assert.deepEqual(parseQuotes([extra], "f"), [quote(2, "a", { url: "https://a.example" })]);
    assert.deepEqual(parseQuotes({ _note: "n", quotes: [quote(2, "a")] }, "f"), [quote(2, "a")]);
  });
});

describe("file quote source", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "quotes-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads a valid file", async () => {
    const path = join(dir, "good.json");
    await writeFile(path, JSON.stringify({ quotes: [quote(2, "a")] }));
    assert.deepEqual(await fileQuoteSource(path).load(), [quote(2, "a")]);
  });

  it("says which file is missing, not JSON, or holds a bad entry", async () => {
    await assert.rejects(fileQuoteSource(join(dir, "none.json")).load(), /quote file .*none\.json cannot be read: ENOENT/);
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ quotes: ");
    await assert.rejects(fileQuoteSource(broken).load(), /quote file .*broken\.json is not valid JSON/);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify([quote(2, "a"), quote(Number.NaN, "b")]));
    await assert.rejects(fileQuoteSource(bad).load(), /bad\.json\[1\]\.usdPerHour null must be a number/);
  });
});

describe("HTTP quote source", () => {
  let server: Server;
  let base: string;
  const routes: Record<string, RequestListener> = {
    "/good": (_, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ quotes: [quote(2.5, "live")] })),
    "/array": (_, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([quote(3, "live")])),
    "/bad-entry": (_, res) => res.writeHead(200).end(JSON.stringify([quote(2, "a"), { ...quote(2, "b"), observedOn: "June" }])),
    "/not-json": (_, res) => res.writeHead(200).end("<html>rate limited</html>"),
    "/error": (_, res) => res.writeHead(503, "Service Unavailable").end("{}"),
    "/hang": () => {}, // never answers
    "/stall": (_, res) => res.writeHead(200).write("[{"), // headers, then nothing
  };

  before(async () => {
    server = createServer((req, res) => (routes[req.url ?? ""] ?? ((_, r) => r.writeHead(404).end()))(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("loads quotes from a JSON endpoint, as { quotes } or a bare array", async () => {
    assert.deepEqual(await httpQuoteSource(`${base}/good`, { timeoutMs: 2000 }).load(), [quote(2.5, "live")]);
    assert.deepEqual(await httpQuoteSource(`${base}/array`, { timeoutMs: 2000 }).load(), [quote(3, "live")]);
  });

  it("rejects malformed data with the entry and field", async () => {
    await assert.rejects(httpQuoteSource(`${base}/bad-entry`, { timeoutMs: 2000 }).load(), (e: Error) =>
      e instanceof QuoteError && e.message === `${base}/bad-entry[1].observedOn "June" must be a date YYYY-MM-DD`,
    );
    await assert.rejects(httpQuoteSource(`${base}/not-json`, { timeoutMs: 2000 }).load(), /response is not JSON \(starts "<html>rate limited<\/html>"\)/);
    await assert.rejects(httpQuoteSource(`${base}/error`, { timeoutMs: 2000 }).load(), /HTTP 503 Service Unavailable/);
  });

  it("gives up after its timeout, whether the server never answers or stalls mid-body", async () => {
    const started = Date.now();
    await assert.rejects(httpQuoteSource(`${base}/hang`, { timeoutMs: 150 }).load(), /\/hang: no answer within 150 ms/);
    await assert.rejects(httpQuoteSource(`${base}/stall`, { timeoutMs: 150 }).load(), /\/stall: body not complete within 150 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it("lets valuation go on when one source fails and others work", async () => {
    const broken: QuoteSource = { name: "broken", load: () => Promise.reject(new Error("boom")) };
    const { quotes, failures } = await loadQuotes([
      httpQuoteSource(`${base}/good`, { timeoutMs: 2000 }),
      httpQuoteSource(`${base}/hang`, { timeoutMs: 100 }),
      broken,
      httpQuoteSource(`${base}/array`, { timeoutMs: 2000 }),
    ]);
    assert.deepEqual(quotes, [quote(2.5, "live"), quote(3, "live")]);
    assert.deepEqual(
      failures.map((f) => [f.source, f.error.message]),
      [
        [`${base}/hang`, `quote source ${base}/hang: no answer within 100 ms`],
        ["broken", "boom"],
      ],
    );
    assert.equal(rentalRate(quotes, "H100-SXM", FRESH).median, 2.75); // one publisher, "live": the median of its 2.5 and 3
  });
});
