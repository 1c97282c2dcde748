/**
 * The analyst queries of subgraph/README.md, read from the README itself: each `### N. Title` section holds one
 * ```graphql block (the query) and one ```json block (its result on the seeded scenario). The runner's test executes
 * exactly these queries, and `scripts/readme-results.ts` rewrites the json blocks from a real run, so the documented
 * queries and results cannot drift from what the subgraph answers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SUBGRAPH_DIR } from "./fixture.js";

export const README = join(SUBGRAPH_DIR, "README.md");

export interface AnalystQuery {
  number: number;
  title: string;
  query: string;
  /** The documented result (`{ "data": … }`), as written in the README. */
  example: unknown;
  /** Where the json block sits in the README text, for rewriting it. */
  exampleRange: [number, number];
}

const SECTION = /^### (\d+)\. (.+)$/gm;

export function readAnalystQueries(text = readFileSync(README, "utf8")): AnalystQuery[] {
  const start = text.indexOf("## Analyst queries");
  if (start < 0) throw new Error("subgraph/README.md has no \"## Analyst queries\" section");
  const out: AnalystQuery[] = [];
  const heads = [...text.matchAll(SECTION)].filter((m) => m.index! > start);
  heads.forEach((m, i) => {
    const from = m.index!;
    const to = i + 1 < heads.length ? heads[i + 1]!.index! : text.length;
    const body = text.slice(from, to);
    const gql = /```graphql\n([\s\S]*?)```/.exec(body);
    const json = /```json\n([\s\S]*?)```/.exec(body);
    if (!gql || !json) throw new Error(`README analyst query ${m[1]} ("${m[2]}") needs one \`\`\`graphql and one \`\`\`json block`);
    const jsonStart = from + json.index! + "```json\n".length;
    let example: unknown;
    try {
      example = JSON.parse(json[1]!);
    } catch (error) {
      throw new Error(`README analyst query ${m[1]}: its json block is not valid JSON: ${(error as Error).message}`);
    }
    out.push({ number: Number(m[1]), title: m[2]!, query: gql[1]!, example, exampleRange: [jsonStart, jsonStart + json[1]!.length] });
  });
  return out;
}

type Shape = string | Shape[] | { [key: string]: Shape };

/** The shape of a JSON value: object keys, the first element of an array, the kind of a scalar. */
export function shapeOf(value: unknown): Shape {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return value === null ? "null" : typeof value;
}

/**
 * Differences between two shapes. Empty lists and nulls match anything (a list may be empty and a nullable field null
 * on one side only); keys and scalar kinds must agree.
 */
export function shapeDiff(expected: Shape, actual: Shape, path = "data"): string[] {
  if (expected === "null" || actual === "null") return [];
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return [`${path}: a list on one side only`];
    if (expected.length === 0 || actual.length === 0) return [];
    return shapeDiff(expected[0]!, actual[0]!, `${path}[]`);
  }
  if (typeof expected === "string" || typeof actual === "string") {
    return expected === actual ? [] : [`${path}: ${JSON.stringify(expected)} documented, ${JSON.stringify(actual)} answered`];
  }
  const out: string[] = [];
  for (const k of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    if (!(k in expected)) out.push(`${path}.${k}: answered but not documented`);
    else if (!(k in actual)) out.push(`${path}.${k}: documented but not answered`);
    else out.push(...shapeDiff(expected[k]!, actual[k]!, `${path}.${k}`));
  }
  return out;
}

/** A result cut for the README: every list keeps its first `keep` entries. */
export function abridge(value: unknown, keep = 2): unknown {
  if (Array.isArray(value)) return value.slice(0, keep).map((v) => abridge(v, keep));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, abridge(v, keep)]));
  return value;
}
