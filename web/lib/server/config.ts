/**
 * Reads the web config on the server, at request time: `WEB_CONFIG` names a JSON file (what `npm start` and the
 * browser tests write), or `WEB_CONFIG_JSON` holds the JSON itself. Without either the app says it is not configured.
 */
import { readFileSync } from "node:fs";
import { ConfigError, parseConfig, type AppConfig } from "../config";

export type ConfigResult = { config: AppConfig; error: null } | { config: null; error: string };

export function readServerConfig(env: Record<string, string | undefined> = process.env): ConfigResult {
  try {
    let raw: string | undefined = env.WEB_CONFIG_JSON;
    if (!raw && env.WEB_CONFIG) raw = readFileSync(env.WEB_CONFIG, "utf8");
    if (!raw) return { config: null, error: "No deployment configured: start the app with WEB_CONFIG=<file.json> (npm start does this)." };
    return { config: parseConfig(JSON.parse(raw)), error: null };
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof SyntaxError ? error.message : String(error);
    return { config: null, error: `The web config is invalid: ${message}` };
  }
}
