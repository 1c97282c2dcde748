/** Structured logs: one JSON object a line, with time, level and event name, for machines first and people second. */
export type Fields = Record<string, unknown>;
export type Logger = { info: (event: string, fields?: Fields) => void; warn: (event: string, fields?: Fields) => void; error: (event: string, fields?: Fields) => void };

/** JSON with bigints as decimal strings: the one encoding of logs and of the oracle's wire format. */
export function stringify(value: unknown, space?: number): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), space);
}

export function jsonLogger(component: string, write: (line: string) => void = (line) => process.stdout.write(line + "\n")): Logger {
  const emit = (level: string) => (event: string, fields: Fields = {}) => write(stringify({ time: new Date().toISOString(), level, component, event, ...fields }));
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}
