/**
 * `npm run readme:results -w subgraph`: replaces the result block of every analyst query in README.md with what the
 * query answers on the seeded protocol scenario (the runner test's default seed), indexed by the local runner from
 * the compiled mappings. Lists are cut to their first two entries. The runner test executes the same queries, parsed
 * from the README, and checks the answers' shape against these blocks and their values against the chain.
 *
 * Runs on an in-process Hardhat node; needs the contracts built (`npm run build` at the root) and takes 1–3 minutes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { checkAnalystQuery, QueryContext, variablesFor } from "../runner/test/analyst-checks.js";
import { abridge, README, readAnalystQueries } from "../runner/test/readme-queries.js";
import { DEFAULT_SEED, DEFAULT_TRANSACTIONS, startWorld } from "../runner/test/world.js";

const WIDTH = 118;

/** JSON that stays on one line where it fits in the README's width, and breaks into indented lines where not. */
export function formatJson(value: unknown, indent = 0): string {
  const flat = JSON.stringify(value, null, 1).replace(/\n\s*/g, " ").replace(/\[ /g, "[").replace(/ \]/g, "]");
  if (indent + flat.length <= WIDTH || value === null || typeof value !== "object") return flat;
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => pad + formatJson(v, indent + 2)).join(",\n")}\n${" ".repeat(indent)}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  // Scalars share lines, as many as fit; objects and lists get their own.
  const lines: string[] = [];
  let line = "";
  for (const [k, v] of entries) {
    const item = `${JSON.stringify(k)}: ${formatJson(v, indent + 2)}`;
    const simple = v === null || typeof v !== "object";
    if (simple && !item.includes("\n") && pad.length + line.length + item.length + 2 <= WIDTH) {
      line = line ? `${line}, ${item}` : item;
      continue;
    }
    if (line) lines.push(line);
    line = "";
    if (simple) line = item;
    else lines.push(item);
  }
  if (line) lines.push(line);
  return `{\n${lines.map((l) => pad + l).join(",\n")}\n${" ".repeat(indent)}}`;
}

async function main() {
  const log = (line: string) => console.error(line);
  log(`scenario: seed ${DEFAULT_SEED}, ${DEFAULT_TRANSACTIONS} transactions`);
  const world = await startWorld({ log });
  try {
    await world.runner.sync();
    const head = BigInt(await world.chain.blockNumber());
    const ctx = await QueryContext.create(world.p, world.chain, world.gql, head);
    let text = readFileSync(README, "utf8");
    // Rewrite from the end, so earlier ranges stay valid.
    const queries = readAnalystQueries(text).reverse();
    const problems: string[] = [];
    for (const q of queries) {
      const variables = await variablesFor(q.number, ctx);
      const data = await world.gql(q.query, variables);
      problems.push(...(await checkAnalystQuery(q.number, data, ctx, variables)).mismatches);
      const [from, to] = q.exampleRange;
      text = `${text.slice(0, from)}${formatJson(abridge({ data }))}\n${text.slice(to)}`;
      if (variables) {
        // The sentence after the query names the variables of this run.
        const section = text.indexOf(`### ${q.number}. `);
        const marker = /Variables of the run below: `[^`]*`/;
        const rest = text.slice(section);
        if (!marker.test(rest.slice(0, rest.indexOf("```json")))) throw new Error(`README query ${q.number} takes variables; add a line "Variables of the run below: \`{}\`" before its result`);
        text = text.slice(0, section) + rest.replace(marker, `Variables of the run below: \`${JSON.stringify(variables)}\``);
      }
      log(`query ${q.number}: ${q.title}`);
    }
    if (problems.length > 0) throw new Error(`the answers disagree with the chain; README not written:\n${problems.join("\n")}`);
    writeFileSync(README, text);
    log(`wrote ${queries.length} results to ${README} (head block ${head})`);
  } finally {
    await world.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
