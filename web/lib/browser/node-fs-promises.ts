/**
 * Browser stand-in for node:fs/promises. The oracle's valuation parameters module (reused by the Risk page's stress
 * test) keeps a file loader beside its pure parser; the app never calls it, and this says so if it ever does.
 */
export async function readFile(path: string): Promise<never> {
  throw new Error(`readFile(${path}) is not available in the browser; pass parsed JSON to parseClassParams instead`);
}
