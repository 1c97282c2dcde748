/**
 * HTTP front of the GraphQL API at graph-node's path, `/subgraphs/name/<name>`: POST JSON
 * `{ query, variables, operationName }` or GET `?query=`. GraphQL errors come back as graph-node sends them,
 * `{ "errors": [{ "message", "locations" }] }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { execute, getNamedType, GraphQLError, isEnumType, Kind, parse, TypeInfo, validate, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from "graphql";

/**
 * graph-node coerces a string literal where an enum is expected (`interval: "day"`, `orderBy: "debt"`,
 * `orderDirection: "desc"`) as if it were the enum value; graphql-js refuses it. Rewrite such literals to enum values
 * before validation, so the queries The Graph's docs show work here too.
 */
export function enumStringsToEnums(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      StringValue(node) {
        const type = typeInfo.getInputType();
        const named = type ? getNamedType(type) : null;
        if (named && isEnumType(named) && named.getValue(node.value)) return { kind: Kind.ENUM, value: node.value, loc: node.loc };
        return undefined;
      },
    }),
  );
}

type Prepared = { document: DocumentNode } | { errors: readonly GraphQLError[] };

/** How many distinct query texts keep their parsed and validated documents. */
const PREPARED_CACHE_SIZE = 256;
const prepared = new WeakMap<GraphQLSchema, Map<string, Prepared>>();

/**
 * parse → graph-node's enum leniency → validate, once per query text and schema: apps and dashboards send the same
 * few texts again and again with new variables, and these steps took 3–4 ms of a 10 ms query. The least recently
 * used text leaves the cache first.
 */
function prepare(schema: GraphQLSchema, source: string): Prepared {
  let cache = prepared.get(schema);
  if (!cache) prepared.set(schema, (cache = new Map()));
  const hit = cache.get(source);
  if (hit) {
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  let entry: Prepared;
  try {
    const document = enumStringsToEnums(schema, parse(source));
    const errors = validate(schema, document);
    entry = errors.length > 0 ? { errors } : { document };
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    entry = { errors: [error] };
  }
  if (cache.size >= PREPARED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(source, entry);
  return entry;
}

export async function runQuery(schema: GraphQLSchema, source: string, variableValues: Record<string, unknown> | null, operationName: string | null) {
  const p = prepare(schema, source);
  if ("errors" in p) return { errors: p.errors };
  return execute({ schema, document: p.document, variableValues, operationName });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function serveGraphql(schema: GraphQLSchema, name: string, port: number, host = "127.0.0.1"): Promise<{ server: Server; url: string }> {
  const path = `/subgraphs/name/${name}`;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type", "access-control-allow-methods": "GET, POST" });
      res.end();
      return;
    }
    if (url.pathname.replace(/\/$/, "") !== path) {
      send(res, 404, { errors: [{ message: `no subgraph at ${url.pathname}; this runner serves ${path}` }] });
      return;
    }
    let request: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      if (req.method === "GET") {
        const variables = url.searchParams.get("variables");
        request = { query: url.searchParams.get("query") ?? undefined, variables: variables ? JSON.parse(variables) : undefined };
      } else {
        request = JSON.parse(await readBody(req));
      }
    } catch (error) {
      send(res, 400, { errors: [{ message: `request body is not valid JSON: ${(error as Error).message}` }] });
      return;
    }
    if (typeof request.query !== "string" || request.query.trim() === "") {
      send(res, 400, { errors: [{ message: "The query is empty: send { \"query\": \"{ ... }\" }" }] });
      return;
    }
    const result = await runQuery(schema, request.query, request.variables ?? null, request.operationName ?? null);
    send(res, 200, result);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      resolve({ server, url: `http://${host}:${actual}${path}` });
    });
  });
}
