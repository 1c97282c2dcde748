import { connection } from "next/server";
import { readServerConfig } from "../../lib/server/config";

/** The deployment this server was started for, as the browser receives it (for tools and scripts). */
export async function GET() {
  await connection();
  const { config, error } = readServerConfig();
  return config ? Response.json(config) : Response.json({ error }, { status: 503 });
}
