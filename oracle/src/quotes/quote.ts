/**
 * A GPU rental quote and its validation. Pure: JSON in, quotes or an error naming the entry, the field and the value.
 */
export const QUOTE_KINDS = ["on-demand", "reserved", "marketplace", "index"] as const;
export type QuoteKind = (typeof QUOTE_KINDS)[number];

export type Quote = {
  classKey: string; // matches a class's `rentalIndexKey`, e.g. "H100-SXM"
  usdPerHour: number; // [USD per GPU-hour]
  source: string; // who published the price, e.g. "Lambda"
  url?: string;
  observedOn: string; // YYYY-MM-DD
  kind: QuoteKind;
  note?: string;
};

export class QuoteError extends Error {
  override name = "QuoteError";
}

/** Highest plausible GPU rental price; anything above is a unit mistake (per instance, per month, cents). */
const MAX_USD_PER_HOUR = 100;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** [unix s] midnight UTC of a YYYY-MM-DD date, or undefined when it is not a real calendar date. */
export function parseDay(day: string): number | undefined {
  const m = DATE.exec(day);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === day ? ms / 1000 : undefined;
}

/** Problems with one entry, each as `<origin>[<i>].<field> <value> <what is wrong>`. */
function problems(raw: unknown, where: string): string[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [`${where} ${JSON.stringify(raw)} is not an object`];
  const q = raw as Record<string, unknown>;
  const out: string[] = [];
  const show = (v: unknown) => (v === undefined ? "(missing)" : JSON.stringify(v));
  for (const field of ["classKey", "source"]) {
    if (typeof q[field] !== "string" || (q[field] as string).trim() === "") out.push(`${where}.${field} ${show(q[field])} must be a non-empty string`);
  }
  const price = q.usdPerHour;
  if (typeof price !== "number" || !Number.isFinite(price) || price <= 0 || price > MAX_USD_PER_HOUR) {
    out.push(`${where}.usdPerHour ${show(price)} must be a number > 0 and ≤ ${MAX_USD_PER_HOUR} (USD per GPU-hour)`);
  }
  if (typeof q.observedOn !== "string" || parseDay(q.observedOn) === undefined) out.push(`${where}.observedOn ${show(q.observedOn)} must be a date YYYY-MM-DD`);
  if (!QUOTE_KINDS.includes(q.kind as QuoteKind)) out.push(`${where}.kind ${show(q.kind)} must be one of ${QUOTE_KINDS.join(", ")}`);
  if (q.url !== undefined && (typeof q.url !== "string" || !/^https?:\/\//.test(q.url))) out.push(`${where}.url ${show(q.url)} must be an http(s) URL`);
  if (q.note !== undefined && typeof q.note !== "string") out.push(`${where}.note ${show(q.note)} must be a string`);
  return out;
}

/**
 * Validates a quote list: either an array or `{ quotes: [...] }` (other top-level keys such as `_note` are ignored).
 * One bad entry rejects the whole list, with every problem listed: a feed that gets one price wrong may get others
 * wrong in ways no check sees.
 */
export function parseQuotes(json: unknown, origin: string): Quote[] {
  const list = Array.isArray(json) ? json : typeof json === "object" && json !== null ? (json as { quotes?: unknown }).quotes : undefined;
  if (!Array.isArray(list)) throw new QuoteError(`${origin}: expected an array of quotes or { "quotes": [...] }`);
  const found = list.flatMap((raw, i) => problems(raw, `${origin}[${i}]`));
  if (found.length > 0) throw new QuoteError(found.join("; "));
  return list.map((raw) => {
    const q = raw as Quote;
    const quote: Quote = { classKey: q.classKey, usdPerHour: q.usdPerHour, source: q.source, observedOn: q.observedOn, kind: q.kind };
    if (q.url !== undefined) quote.url = q.url;
    if (q.note !== undefined) quote.note = q.note;
    return quote;
  });
}
