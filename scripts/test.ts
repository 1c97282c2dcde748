/**
 * `npm test`: every suite in turn, each as its own process, then one closing line `N passed, N failed` summed over
 * the test runners' own counts. Exits non-zero if any suite fails. `npm test -- contracts solidity` runs a subset.
 */
import { spawn } from "node:child_process";

type Suite = { name: string; command: string[]; counts: boolean };

const SUITES: Suite[] = [
  { name: "lint", command: ["solhint", "--max-warnings", "0", "contracts/**/*.sol"], counts: false },
  { name: "typecheck", command: ["tsc", "--noEmit", "-p", "tsconfig.json"], counts: false },
  { name: "contracts", command: ["hardhat", "test", "mocha"], counts: true },
  { name: "solidity", command: ["hardhat", "test", "solidity"], counts: true },
  { name: "oracle", command: ["npm", "test", "--silent", "-w", "oracle"], counts: true },
  { name: "subgraph", command: ["npm", "test", "--silent", "-w", "subgraph"], counts: false },
  { name: "subgraph-runner", command: ["npm", "run", "test:runner", "--silent", "-w", "subgraph"], counts: true },
  // Typecheck, unit tests, then the browser scenarios in Chromium (builds the app if its build is stale).
  { name: "web", command: ["npm", "test", "--silent", "-w", "web"], counts: true },
];

function run(suite: Suite): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const [bin, ...args] = suite.command;
    const child = spawn(bin!, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    const tee = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      output += chunk.toString();
      stream.write(chunk);
    };
    child.stdout.on("data", (c: Buffer) => tee(c, process.stdout));
    child.stderr.on("data", (c: Buffer) => tee(c, process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

// Strip colour codes before reading mocha's "N passing" / "N failing" lines.
const count = (output: string, word: string) =>
  [...output.replace(/\x1b\[[0-9;]*m/g, "").matchAll(new RegExp(`^\\s*(\\d+) ${word}`, "gm"))].reduce((sum, m) => sum + Number(m[1]), 0);

async function main() {
  const only = process.argv.slice(2);
  const suites = only.length ? SUITES.filter((s) => only.includes(s.name)) : SUITES;
  let passed = 0;
  let failed = 0;
  const failedSuites: string[] = [];
  for (const suite of suites) {
    console.log(`\n━━ ${suite.name}: ${suite.command.join(" ")}`);
    const { code, output } = await run(suite);
    if (suite.counts) {
      passed += count(output, "passing");
      failed += count(output, "failing");
    }
    if (code !== 0) failedSuites.push(suite.name);
  }
  if (failedSuites.length) console.log(`\nfailed suites: ${failedSuites.join(", ")}`);
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failedSuites.length ? 1 : 0);
}

void main();
