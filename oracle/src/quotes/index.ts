/** GPU rental quotes: validation, pluggable sources (file, HTTP JSON) and the conservative rental rate. */
export { QUOTE_KINDS, QuoteError, parseDay, parseQuotes, type Quote, type QuoteKind } from "./quote.js";
export { NoQuotesError, median, rentalRate, type RentalRate, type RentalRateOptions } from "./rate.js";
export { DEFAULT_QUOTES_PATH, fileQuoteSource, httpQuoteSource, loadQuotes, type QuoteSource, type SourceFailure } from "./sources.js";
