import { strict as assert } from "node:assert";
import { SubgraphError, querySubgraph } from "../lib/graphql";
import { MAX_ROWS, largestFirst } from "../lib/subgraph-rows";

describe("subgraph row bound (no request pulls more than 1,000 rows)", function () {
  it("reads the largest `first` from literals and bound variables", function () {
    assert.equal(largestFirst(`{ a(first: 10) { id } b(first: 1000) { id } }`), 1000);
    assert.equal(largestFirst(`query($n: Int!) { a(first: $n, orderBy: id) { id } }`, { n: 250 }), 250);
    assert.equal(largestFirst(`query($n: Int!) { a(first:$n) { id } b(first: 5) { id } }`, { n: 7 }), 7);
    assert.equal(largestFirst(`{ protocol(id: "1") { id } }`), 0);
  });

  it("counts an unbound or non-numeric `first` as unbounded", function () {
    assert.equal(largestFirst(`query($n: Int!) { a(first: $n) { id } }`, {}), Infinity);
    assert.equal(largestFirst(`query($n: Int!) { a(first: $n) { id } }`, { n: "many" }), Infinity);
  });

  it("refuses a query above the bound before sending it, and sends one at the bound", async function () {
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (_url: string, init: { body: string }) => {
      sent.push(init.body);
      return new Response(JSON.stringify({ data: { a: [] } }));
    }) as unknown as typeof fetch;
    try {
      const query = `query($first: Int!) { a(first: $first) { id } }`;
      await assert.rejects(querySubgraph("http://subgraph", query, { first: MAX_ROWS + 1 }), (e: unknown) => e instanceof SubgraphError && /asks for 1001 rows/.test(e.message));
      assert.equal(sent.length, 0);
      assert.deepEqual(await querySubgraph("http://subgraph", query, { first: MAX_ROWS }), { a: [] });
      assert.equal(sent.length, 1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
