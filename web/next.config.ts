import { realpathSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

/** The repository root: the app imports the generated ABIs, the shared formatters and the oracle's pure modules from there. */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = realpathSync(join(repoRoot, "node_modules"));
/** Turbopack resolves nothing outside its root. A git worktree may link node_modules to another checkout's, so the root
 * is then the nearest folder holding both. */
function commonAncestor(a: string, b: string): string {
  let dir = a;
  while (relative(dir, b).startsWith("..")) dir = dirname(dir);
  return dir;
}

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  productionBrowserSourceMaps: process.env.WEB_SOURCE_MAPS === "1",
  turbopack: {
    root: commonAncestor(repoRoot, modules),
    // The oracle's valuation parameters module imports node:fs/promises for a file loader the browser never calls.
    resolveAlias: { "node:fs/promises": { browser: "./lib/browser/node-fs-promises.ts" } },
    // The repository's shared TypeScript (abi/, scripts/lib/, oracle/src/) goes through two small loaders: see their
    // headers in web/build/.
    rules: {
      "*.ts": {
        condition: { all: [{ not: "foreign" }, { content: /from\s*["']\.{1,2}\/[^"']+\.js["']/ }] },
        loaders: [join(repoRoot, "web", "build", "ts-js-extensions.cjs"), join(repoRoot, "web", "build", "oracle-params.cjs")],
        as: "*.ts",
      },
    },
  },
};

export default nextConfig;
