/**
 * The probe's command line. Prints (or writes) a signed ProbeSubmission; progress and the summary go to stderr.
 * Exit codes: 0 done, 1 failed (the message says what is missing and how to fix it), 2 bad usage.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getAddress, isHex, type Address, type Hex, type LocalAccount } from "viem";
import { DEFAULT_SIZE } from "../challenge.js";
import { oracleDomain, type OracleDomain } from "../eip712.js";
import { flagNames } from "../health.js";
import { stringify, type NonceTicket } from "../report.js";
import { keyFromEnv, keyFromKeystore } from "./keys.js";
import { fetchDomain, fetchTicket, postSubmission } from "./node-client.js";
import { DEFAULT_LIVE, runProbe, type ProbeRequest } from "./probe.js";
import { createProgress } from "./progress.js";
import { loadProfile } from "./replay.js";

export const USAGE = `usage: probe (--ticket FILE | --node URL) --fleet ID (--key-env VAR | --keystore FILE [--password-env VAR])
             [--chain-id N --oracle ADDRESS] [--proof FILE] [--gpu N] [--window S] [--gemm-seconds S]
             [--iterations N] [--copy-gib G] [--copy-seconds S] [--size N] [--replay FILE [--uuid GPU-…]] [--out FILE]

  --ticket FILE       a NonceTicket JSON a node issued
  --node URL          fetch the ticket from URL/nonce (and the domain from URL/domain), post the report to URL/reports
  --fleet ID          the FleetRegistry fleet id this GPU belongs to
  --key-env VAR       environment variable holding the host private key
  --keystore FILE     v3 keystore holding the host key; its password comes from $HOST_KEY_PASSWORD or --password-env
  --chain-id, --oracle  the FleetOracle EIP-712 domain (required unless --node serves /domain)
  --proof FILE        Merkle proof of the GPU UUID: a JSON array, or an object from UUID to array
  --gpu N             NVML index of the GPU to probe (default 0)
  --window S          utilization sampling window before the challenge, seconds (default ${DEFAULT_LIVE.windowSeconds})
  --gemm-seconds S    length of the timed GEMM loop (default ${DEFAULT_LIVE.gemmSeconds}); --iterations N fixes the count instead
  --copy-gib G        device-to-device copy buffer size in GiB (default 1); --copy-seconds S its timed length (default ${DEFAULT_LIVE.copySeconds})
  --size N            GEMM edge asked of the node in --node mode (default ${DEFAULT_SIZE})
  --replay FILE       replay a recorded profile instead of measuring (report.replay = true); --uuid overrides its GPU UUID
  --out FILE          write the submission there instead of stdout`;

class UsageError extends Error {}

const OPTIONS = {
  ticket: { type: "string" },
  node: { type: "string" },
  fleet: { type: "string" },
  "key-env": { type: "string" },
  keystore: { type: "string" },
  "password-env": { type: "string", default: "HOST_KEY_PASSWORD" },
  "chain-id": { type: "string" },
  oracle: { type: "string" },
  proof: { type: "string" },
  gpu: { type: "string", default: "0" },
  window: { type: "string", default: String(DEFAULT_LIVE.windowSeconds) },
  "gemm-seconds": { type: "string", default: String(DEFAULT_LIVE.gemmSeconds) },
  iterations: { type: "string" },
  "copy-gib": { type: "string", default: "1" },
  "copy-seconds": { type: "string", default: String(DEFAULT_LIVE.copySeconds) },
  "copy-iterations": { type: "string" },
  size: { type: "string", default: String(DEFAULT_SIZE) },
  replay: { type: "string" },
  uuid: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

function number(flag: string, raw: string | undefined, { integer = false, min = 0 } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${flag} ${raw} is not ${integer ? "an integer" : "a number"} ≥ ${min}`);
  }
  return value;
}

function readJson(flag: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--${flag} ${file}: ${(error as Error).message}`);
  }
}

function account(values: Values, env: NodeJS.ProcessEnv): LocalAccount {
  if (values["key-env"] && values.keystore) throw new UsageError("give --key-env or --keystore, not both");
  if (values["key-env"]) return keyFromEnv(values["key-env"], env);
  if (values.keystore) return keyFromKeystore(values.keystore, values["password-env"]!, env);
  throw new UsageError("the host key is missing: pass --key-env VAR (a variable holding the key) or --keystore FILE");
}

function proof(values: Values): ProbeRequest["proof"] {
  if (!values.proof) return [];
  const raw = readJson("proof", values.proof);
  const valid = (list: unknown): list is Hex[] => Array.isArray(list) && list.every((entry) => isHex(entry) && entry.length === 66);
  if (valid(raw)) return raw;
  if (typeof raw === "object" && raw !== null && Object.values(raw).every(valid)) return raw as Record<string, Hex[]>;
  throw new UsageError(`--proof ${values.proof} is neither a list of 32-byte hex hashes nor an object from GPU UUID to such a list`);
}

async function domain(values: Values): Promise<OracleDomain> {
  if (values["chain-id"] !== undefined || values.oracle !== undefined) {
    const chainId = number("chain-id", values["chain-id"], { integer: true, min: 1 });
    if (chainId === undefined || !values.oracle) throw new UsageError("--chain-id and --oracle go together: the FleetOracle's chain id and address");
    if (!isHex(values.oracle) || values.oracle.length !== 42) throw new UsageError(`--oracle ${values.oracle} is not an address`);
    return oracleDomain(chainId, getAddress(values.oracle as Address));
  }
  if (values.node) return fetchDomain(values.node);
  throw new UsageError("the EIP-712 domain is missing: pass --chain-id N --oracle ADDRESS (the FleetOracle contract), or --node URL");
}

type Output = { isTTY?: boolean; columns?: number; write(text: string): unknown };

/** `stdout` receives the submission when there is no --out; `stderr` progress, the summary and errors. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, stdout: Output = process.stdout, stderr: Output = process.stderr): Promise<number> {
  const progress = createProgress(stderr);
  try {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (!values.fleet || !/^\d+$/.test(values.fleet)) throw new UsageError(`--fleet ${values.fleet ?? "(missing)"} must be the decimal fleet id`);
    if (!!values.ticket === !!values.node) throw new UsageError("give exactly one of --ticket FILE and --node URL");
    if (values.uuid && !values.replay) throw new UsageError("--uuid only renames a replayed profile's GPU; a live probe reads the UUID from NVML");

    const size = number("size", values.size, { integer: true, min: 1 })!;
    const ticket = values.ticket
      ? (readJson("ticket", values.ticket) as NonceTicket)
      : await fetchTicket(values.node!, { m: size, n: size, k: size });
    const request: ProbeRequest = {
      ticket,
      fleetId: BigInt(values.fleet),
      account: account(values, env),
      domain: await domain(values),
      proof: proof(values),
      replay: values.replay ? { profile: loadProfile(values.replay), uuid: values.uuid } : undefined,
      live: {
        gpu: number("gpu", values.gpu, { integer: true })!,
        windowSeconds: number("window", values.window, { min: 0.1 })!,
        gemmSeconds: number("gemm-seconds", values["gemm-seconds"], { min: 0.01 })!,
        gemmIterations: number("iterations", values.iterations, { integer: true, min: 1 }),
        copyBytes: Math.round(number("copy-gib", values["copy-gib"], { min: 1 / 1024 })! * 2 ** 30),
        copySeconds: number("copy-seconds", values["copy-seconds"], { min: 0.01 })!,
        copyIterations: number("copy-iterations", values["copy-iterations"], { integer: true, min: 1 }),
        env,
      },
    };
    if (!values.proof) progress.log("no --proof: submitting an empty Merkle proof, which only a one-GPU fleet accepts");

    const submission = await runProbe(request, progress);
    const { report, details } = submission;
    const label = report.replay ? "REPLAY (recorded profile, not a measurement)" : "measured";
    progress.log(
      `${label}: ${details.identity.name} ${(report.tflopsMilli / 1000).toFixed(1)} TFLOP/s, ${report.bandwidthGBps} GB/s, ` +
        `utilization ${(report.utilizationBps / 100).toFixed(1)} %, ${(report.powerMilliwatts / 1000).toFixed(0)} W, ` +
        `health [${flagNames(report.healthFlags).join(", ") || "ok"}], ${details.probeSeconds.toFixed(1)} s`,
    );

    const json = stringify(submission, 2);
    if (values.out) writeFileSync(values.out, `${json}\n`);
    else stdout.write(`${json}\n`);
    if (values.node) {
      const answer = await postSubmission(values.node, submission);
      progress.log(`${values.node}/reports accepted the report: ${JSON.stringify(answer)}`);
    }
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    progress.log(`error: ${message}`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      stderr.write(`\n${USAGE}\n`);
      return 2;
    }
    return 1;
  }
}

// Run when executed (tsx or the bundle), not when imported by tests.
const entry = process.argv[1] ?? "";
if (entry.endsWith("probe/main.ts") || entry.endsWith("probe.mjs") || process.env.GPU_PROBE_MAIN === "1") {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
