/**
 * Where quotes come from. Each source is `{ name, load() }`; `loadQuotes` asks them all and keeps going when one
 * fails, so one broken feed never stops valuation while others work. These are the only functions here with I/O.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseQuotes, QuoteError, type Quote } from "./quote.js";

export interface QuoteSource {
  name: string;
  load(): Promise<Quote[]>;
}

/** The hand-gathered 2025 public list prices shipped with the oracle. */
export const DEFAULT_QUOTES_PATH = fileURLToPath(new URL("../../data/rental-quotes.json", import.meta.url));

export function fileQuoteSource(path: string = DEFAULT_QUOTES_PATH): QuoteSource {
  return {
    name: `file:${path}`,
    async load() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        throw new QuoteError(`quote file ${path} cannot be read: ${(error as Error).message}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new QuoteError(`quote file ${path} is not valid JSON: ${(error as Error).message}`);
      }
      return parseQuotes(json, path);
    },
  };
}

/** A JSON endpoint returning quotes (an array or `{ quotes: [...] }`); GET, no redirects followed beyond fetch's own. */
export function httpQuoteSource(url: string, options: { timeoutMs: number; headers?: Record<string, string> } = { timeoutMs: 5000 }): QuoteSource {
  return {
    name: url,
    async load() {
      let response: Response;
      try {
        response = await fetch(url, { headers: { accept: "application/json", ...options.headers }, signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        const e = error as Error;
        const why = e.name === "TimeoutError" || e.name === "AbortError" ? `no answer within ${options.timeoutMs} ms` : e.message;
        throw new QuoteError(`quote source ${url}: ${why}`);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        const e = error as Error;
        const why = e.name === "TimeoutError" || e.name === "AbortError" ? `body not complete within ${options.timeoutMs} ms` : e.message;
        throw new QuoteError(`quote source ${url}: ${why}`);
      }
      if (!response.ok) throw new QuoteError(`quote source ${url}: HTTP ${response.status} ${response.statusText}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new QuoteError(`quote source ${url}: response is not JSON (starts ${JSON.stringify(text.slice(0, 40))})`);
      }
      return parseQuotes(json, url);
    },
  };
}

export type SourceFailure = { source: string; error: Error };

/** Loads every source at once; failed sources come back in `failures` for the caller to log, the rest in `quotes`. */
export async function loadQuotes(sources: readonly QuoteSource[]): Promise<{ quotes: Quote[]; failures: SourceFailure[] }> {
  const results = await Promise.allSettled(sources.map((source) => source.load()));
  const quotes: Quote[] = [];
  const failures: SourceFailure[] = [];
  results.forEach((result, i) => {
    if (result.status === "fulfilled") quotes.push(...result.value);
    else failures.push({ source: sources[i]!.name, error: result.reason instanceof Error ? result.reason : new Error(String(result.reason)) });
  });
  return { quotes, failures };
}
