/**
 * Turbopack loader: the repository's TypeScript (abi/, scripts/lib/, oracle/src/) is written for Node's ESM resolution,
 * so its relative imports name the compiled `.js` file (`./generated.js`). Turbopack has no `.js` → `.ts` extension
 * alias, so this loader drops the extension from a relative specifier when only the `.ts` sibling exists.
 */
const { existsSync } = require("node:fs");
const { dirname, resolve } = require("node:path");

const RELATIVE_JS = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']+)\.js\2/g;

module.exports = function tsJsExtensions(source) {
  const dir = dirname(this.resourcePath);
  return source.replace(RELATIVE_JS, (whole, keyword, quote, path) => {
    if (existsSync(resolve(dir, `${path}.js`)) || !existsSync(resolve(dir, `${path}.ts`))) return whole;
    return `${keyword}${quote}${path}${quote}`;
  });
};
