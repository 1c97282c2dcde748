/** Chart data: no subgraph request pulls more than MAX_ROWS rows; charts page or use the hourly/daily aggregations. */
export const MAX_ROWS = 1000;

/**
 * The most rows any collection in `query` asks for: each `first:` argument, literal or a `$variable` bound in
 * `variables`. An unbound or non-numeric `first` counts as unbounded.
 */
export function largestFirst(query: string, variables: Record<string, unknown> = {}): number {
  let largest = 0;
  for (const [, arg] of query.matchAll(/\bfirst\s*:\s*(\$\w+|\d+)/g)) {
    const value = arg!.startsWith("$") ? Number(variables[arg!.slice(1)]) : Number(arg);
    largest = Math.max(largest, Number.isFinite(value) ? value : Infinity);
  }
  return largest;
}
