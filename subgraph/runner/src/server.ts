/**
 * HTTP front of the GraphQL API at graph-node's path, `/subgraphs/name/<name>`: POST JSON
 * `{ query, variables, operationName }` or GET `?query=`. GraphQL errors come back as graph-node sends them,
 * `{ "errors": [{ "message", "locations" }] }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { graphql, type GraphQLSchema } from "graphql";

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
    const result = await graphql({ schema, source: request.query, variableValues: request.variables ?? null, operationName: request.operationName ?? null });
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
