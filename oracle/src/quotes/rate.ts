/**
 * The rental rate the valuation model uses: conservative, robust to one odd source. Pure.
 *
 *   per source: the median of its fresh quotes for the class (one vote per publisher, however many SKUs it lists)
 *   median    = median of those per-source prices
 *   spread    = median absolute deviation (MAD) of the per-source prices around `median`
 *   rate      = max(0, min(median, median − spread))
 *
 * MAD rather than the standard deviation or the range: one absurd quote moves neither the median nor the MAD, while
 * a market where hyperscalers charge 4× the neoclouds gets a wide spread and so a rate near the cheap end — the
 * price a lender can count on if it has to re-rent seized GPUs.
 */
import { parseDay, type Quote } from "./quote.js";

export type RentalRate = {
  rate: number; // [USD per GPU-hour] what the valuation uses; ≤ median, ≥ 0
  median: number;
  spread: number; // MAD around the median
  count: number; // fresh quotes used
  sources: number; // distinct publishers among them
};

export type RentalRateOptions = {
  now: number; // [unix s]
  maxQuoteAgeDays: number; // quotes observed longer ago than this are ignored
};

export class NoQuotesError extends Error {
  override name = "NoQuotesError";
}

const DAY = 86_400;

/** Median of a non-empty list; the mean of the two middle values when the count is even. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function rentalRate(quotes: readonly Quote[], classKey: string, options: RentalRateOptions): RentalRate {
  const { now, maxQuoteAgeDays } = options;
  const bySource = new Map<string, number[]>();
  let count = 0;
  for (const quote of quotes) {
    if (quote.classKey !== classKey) continue;
    const day = parseDay(quote.observedOn);
    // A date in the future (beyond today's UTC day) is a typo or a clock problem: not fresh.
    if (day === undefined || day > now || now - day > maxQuoteAgeDays * DAY) continue;
    const key = quote.source.trim().toLowerCase();
    const list = bySource.get(key) ?? [];
    list.push(quote.usdPerHour);
    bySource.set(key, list);
    count++;
  }
  if (count === 0) {
    const any = quotes.some((q) => q.classKey === classKey);
    throw new NoQuotesError(
      any
        ? `no ${classKey} quote observed within ${maxQuoteAgeDays} days of ${new Date(now * 1000).toISOString().slice(0, 10)}; add a live source or raise maxQuoteAgeDays`
        : `no quote for ${classKey}; check the class's rentalIndexKey against the sources' classKey values`,
    );
  }
  const perSource = [...bySource.values()].map(median);
  const mid = median(perSource);
  const spread = median(perSource.map((p) => Math.abs(p - mid)));
  return { rate: Math.max(0, Math.min(mid, mid - spread)), median: mid, spread, count, sources: perSource.length };
}
