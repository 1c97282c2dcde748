/**
 * graph-node's naming and coercion conventions that the runner's API must share, checked without a chain.
 */
import { strict as assert } from "node:assert";
import { buildSchema, parse, print } from "graphql";
import { collectionName } from "../src/graphql-api.js";
import { enumStringsToEnums } from "../src/server.js";

describe("graph-node API conventions", function () {
  it("names collections as graph-node's camel_cased_names does (inflector plural, `_collection` when unchanged)", function () {
    const cases: Record<string, string> = {
      CollateralClass: "collateralClasses",
      Vault: "vaults",
      Psm: "psms",
      Repay: "repays",
      Policy: "policies",
      Box: "boxes",
      Leaf: "leaves",
      Analysis: "analyses",
      HealthDistribution: "healthDistributions",
      ClassStats: "classStats_collection",
      AuctionParams: "auctionParams_collection",
      TransferStats: "transferStats_collection",
    };
    for (const [type, field] of Object.entries(cases)) assert.equal(collectionName(type), field, type);
  });

  it("accepts a string literal where an enum is expected, as graph-node does", function () {
    const schema = buildSchema(`enum Interval { hour day } enum Dir { asc desc } type Query { stats(interval: Interval!, dir: Dir, label: String): String }`);
    const rewritten = print(enumStringsToEnums(schema, parse(`{ stats(interval: "day", dir: "desc", label: "day") }`)));
    assert.match(rewritten, /interval: day/);
    assert.match(rewritten, /dir: desc/);
    assert.match(rewritten, /label: "day"/, "a String argument keeps its string");
    // A string that names no value stays a string, so validation still reports it.
    assert.match(print(enumStringsToEnums(schema, parse(`{ stats(interval: "week") }`))), /interval: "week"/);
  });
});
