/**
 * Turbopack loader for oracle/src/valuation/params.ts (it passes every other file through), whose pure parser the app
 * reuses for the Risk page's stress test. The module also computes a default file path at load with
 * `fileURLToPath(new URL("../../config/classes.json", import.meta.url))`; a bundler turns that `new URL` into an
 * asset URL that neither Node's nor the browser's `fileURLToPath` accepts, so the page would fail to load. The app
 * never reads the file (it imports the JSON), so the bundled copy gets a plain string instead.
 * TODO: drop this loader once params.ts keeps its file loader in a module of its own.
 */
const PATTERN = /fileURLToPath\(new URL\((["'][^"']+["']), import\.meta\.url\)\)/;

const TARGET = /oracle[\\/]src[\\/]valuation[\\/]params\.ts$/;

module.exports = function oracleParams(source) {
  if (!TARGET.test(this.resourcePath)) return source;
  if (!PATTERN.test(source)) {
    // The upstream module changed: say so instead of shipping a page that fails at load.
    this.emitWarning(new Error(`${this.resourcePath}: the default-path expression this loader replaces is gone; remove web/build/oracle-params.cjs if the module no longer needs it`));
    return source;
  }
  return source.replace(PATTERN, (_whole, path) => path);
};
