import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { recoverTypedDataAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { checkSamples, sampleDigest } from "../src/challenge.js";
import { gpuReportTypes, oracleDomain } from "../src/eip712.js";
import { HealthFlag } from "../src/health.js";
import { parseSubmission, stringify, type NonceTicket, type ProbeSubmission } from "../src/report.js";
import { encryptKeystore, LIGHT_SCRYPT_N } from "../src/keys/keystore.js";
import { main } from "../src/probe/main.js";
import { parseProfile, replayMeasurement } from "../src/probe/replay.js";
import { gpuUuidHash, ticketChallenge } from "../src/probe/submission.js";
import { buildFakeLibs, makeTicket, type FakeLibs } from "./fixtures/fake-libs.js";

const ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const CHAIN_ID = 31337;
const domain = oracleDomain(CHAIN_ID, ORACLE);
const hostKey = generatePrivateKey();
const host = privateKeyToAccount(hostKey);
const nodeAccount = privateKeyToAccount(generatePrivateKey());
const profilesDir = new URL("../profiles/", import.meta.url).pathname;

type Run = { code: number; stdout: string; stderr: string };

async function probe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { HOST_KEY: hostKey, ...env }, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}

/** What a node checks first: the signature recovers to the host key and the samples recompute from the nonce. */
async function assertVerifies(submission: ProbeSubmission, ticket: NonceTicket): Promise<void> {
  const signer = await recoverTypedDataAddress({ domain, types: gpuReportTypes, primaryType: "GpuReport", message: submission.report, signature: submission.signature });
  assert.equal(signer, host.address);
  assert.equal(submission.signer, host.address);
  assert.equal(submission.report.nonce, ticket.nonce);
  assert.equal(submission.report.sampleDigest, sampleDigest(submission.samples));
  assert.equal(submission.report.gpuUuidHash, gpuUuidHash(submission.details.identity.uuid));
  assert.deepEqual(checkSamples(ticketChallenge(ticket), submission.samples), { ok: true });
}

describe("probe command line", function () {
  this.timeout(120_000);
  let dir: string;
  let ticket: NonceTicket;
  let ticketFile: string;
  let libs: FakeLibs;
  const common = () => ["--ticket", ticketFile, "--fleet", "7", "--key-env", "HOST_KEY", "--chain-id", String(CHAIN_ID), "--oracle", ORACLE];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "probe-cli-"));
    libs = buildFakeLibs();
    ticket = await makeTicket(nodeAccount, { m: 64, n: 48, k: 512 });
    ticketFile = join(dir, "ticket.json");
    writeFileSync(ticketFile, JSON.stringify(ticket));
  });

  it("replays a recorded profile into a signed report that verifies, marked and logged as a replay", async () => {
    const out = join(dir, "replay.json");
    const run = await probe([...common(), "--replay", join(profilesDir, "h100-sxm.json"), "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /REPLAY of a synthesized profile/);
    assert.match(run.stderr, /REPLAY \(recorded profile, not a measurement\): NVIDIA H100 80GB HBM3 790\.0 TFLOP\/s, 2920 GB\/s/);
    const submission = parseSubmission(readFileSync(out, "utf8"));
    await assertVerifies(submission, ticket);
    assert.equal(submission.report.replay, true);
    assert.equal(submission.report.fleetId, 7n);
    assert.equal(submission.report.tflopsMilli, 790_000);
    assert.equal(submission.report.utilizationBps, 7800);
    assert.equal(submission.report.powerMilliwatts, 540_000);
    assert.equal(submission.report.healthFlags, 0);
    assert.deepEqual(submission.ticket, ticket);
  });

  it("replays every shipped profile, each labelled as a replay, with the A100 lacking SM activity", async () => {
    const challenge = ticketChallenge(ticket);
    for (const file of ["h100-sxm.json", "h200.json", "a100-sxm.json"]) {
      const profile = parseProfile(readFileSync(join(profilesDir, file), "utf8"), file);
      assert.match(profile.about, /REPLAY PROFILE/, file);
      const measured = replayMeasurement(profile, challenge);
      assert.equal(measured.replay, true);
      assert.deepEqual(checkSamples(challenge, measured.samples), { ok: true }, file);
      assert.equal(measured.healthFlags, file === "a100-sxm.json" ? HealthFlag.SmActivityUnavailable : 0, file);
    }
  });

  it("measures through the fake libraries from the command line, with the proof picked by GPU UUID", async () => {
    const proofFile = join(dir, "proof.json");
    const proof: Hex[] = [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`];
    writeFileSync(proofFile, JSON.stringify({ "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee": proof, "GPU-other": [] }));
    const run = await probe(
      [...common(), "--gpu", "1", "--proof", proofFile, "--window", "0.2", "--gemm-seconds", "0.02", "--copy-gib", "0.001", "--copy-seconds", "0.02"],
      libs.env,
    );
    assert.equal(run.code, 0, run.stderr);
    const submission = parseSubmission(run.stdout);
    await assertVerifies(submission, ticket);
    assert.equal(submission.report.replay, false);
    assert.deepEqual(submission.proof, proof);
    assert.ok(submission.report.healthFlags & HealthFlag.EccUncorrected);
    assert.match(run.stderr, /measured: NVIDIA A100-SXM4-40GB .* health \[EccUncorrected, MemoryRetirementPending, ThermalThrottle, PcieDegraded, SmActivityUnavailable, PowerUtilizationMismatch\]/);
  });

  it("exits non-zero and names the missing driver when there is no NVML", async () => {
    const run = await probe(common(), { GPU_PROBE_NVML: join(dir, "missing", "libnvidia-ml.so.1") });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /not found: no NVIDIA driver on this host \(NVML is required to read GPU identity and health\); install the NVIDIA driver or run with --replay FILE/);
    assert.equal(run.stdout, "");
  });

  it("fails before the 5 s utilization window when cuBLASLt is missing, naming it", async () => {
    const run = await probe(common(), { ...libs.env, GPU_PROBE_CUBLASLT: join(dir, "missing", "libcublasLt.so.13") });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /libcublasLt\.so\.13 \(from \$GPU_PROBE_CUBLASLT\) not found: cuBLASLt/);
    assert.doesNotMatch(run.stderr, /sampling utilization/);
  });

  it("rejects a ticket whose nonce does not derive from its fields", async () => {
    const forged = join(dir, "forged.json");
    writeFileSync(forged, JSON.stringify({ ...ticket, nonce: `0x${"00".repeat(32)}` }));
    const run = await probe(["--ticket", forged, "--fleet", "7", "--key-env", "HOST_KEY", "--chain-id", "1", "--oracle", ORACLE, "--replay", join(profilesDir, "h200.json")]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /ticket\.nonce 0x0{64} is not keccak256 of the ticket's fields/);
  });

  it("answers bad usage with exit code 2, the reason and the usage text", async () => {
    const noFleet = await probe(["--ticket", ticketFile, "--key-env", "HOST_KEY"]);
    assert.equal(noFleet.code, 2);
    assert.match(noFleet.stderr, /--fleet \(missing\) must be the decimal fleet id[\s\S]*usage: probe/);
    const noKey = await probe(["--ticket", ticketFile, "--fleet", "1", "--chain-id", "1", "--oracle", ORACLE]);
    assert.match(noKey.stderr, /the host key is missing: pass --key-env VAR/);
    const emptyKey = await probe(common(), { HOST_KEY: "" });
    assert.match(emptyKey.stderr, /\$HOST_KEY is empty/);
    const unknown = await probe([...common(), "--turbo"]);
    assert.equal(unknown.code, 2);
  });

  it("signs with a key from an encrypted keystore, and refuses a wrong password", async () => {
    const keystore = join(dir, "host.keystore.json");
    writeFileSync(keystore, JSON.stringify(encryptKeystore(hostKey, "correct horse", { n: LIGHT_SCRYPT_N })));
    const args = ["--ticket", ticketFile, "--fleet", "7", "--keystore", keystore, "--chain-id", String(CHAIN_ID), "--oracle", ORACLE, "--replay", join(profilesDir, "a100-sxm.json")];
    const ok = await probe(args, { HOST_KEY_PASSWORD: "correct horse" });
    assert.equal(ok.code, 0, ok.stderr);
    await assertVerifies(parseSubmission(ok.stdout), ticket);
    const wrong = await probe(args, { HOST_KEY_PASSWORD: "battery staple" });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /keystore MAC does not match: the password is wrong/);
  });

  describe("--node mode", () => {
    let server: Server;
    let url: string;
    const seen: { nonceQuery?: string; posted?: string } = {};

    before(async () => {
      server = createServer((req, res) => {
        const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(stringify(body));
        if (req.method === "GET" && req.url?.startsWith("/nonce?")) {
          seen.nonceQuery = req.url.slice("/nonce?".length);
          return send(200, ticket);
        }
        if (req.method === "GET" && req.url === "/domain") return send(200, { chainId: CHAIN_ID, verifyingContract: ORACLE });
        if (req.method === "POST" && req.url === "/reports") {
          let body = "";
          req.on("data", (chunk: Buffer) => (body += chunk));
          req.on("end", () => {
            seen.posted = body;
            send(202, { accepted: true });
          });
          return;
        }
        send(404, { reason: `no route ${req.method} ${req.url}` });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    });
    after(() => server.close());

    it("fetches the ticket and domain from the node and posts the signed report back", async () => {
      const run = await probe(["--node", url, "--size", "64", "--fleet", "7", "--key-env", "HOST_KEY", "--replay", join(profilesDir, "h200.json")]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(seen.nonceQuery, "m=64&n=64&k=64");
      const posted = parseSubmission(seen.posted!);
      await assertVerifies(posted, ticket);
      assert.equal(posted.report.replay, true);
      assert.match(run.stderr, /\/reports accepted the report: \{"accepted":true\}/);
    });

    it("reports the node's rejection reason and message and exits non-zero", async () => {
      const rejecting = createServer((req, res) => {
        if (req.url?.startsWith("/nonce")) return res.writeHead(200).end(stringify(ticket));
        req.resume();
        req.on("end", () => res.writeHead(422).end(JSON.stringify({ accepted: false, reason: "UuidNotInFleet", field: "proof", message: "GPU not in fleet 7" })));
      });
      await new Promise<void>((resolve) => rejecting.listen(0, "127.0.0.1", resolve));
      const address = rejecting.address();
      const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const run = await probe(["--node", base, "--fleet", "7", "--key-env", "HOST_KEY", "--chain-id", String(CHAIN_ID), "--oracle", ORACLE, "--replay", join(profilesDir, "h200.json")]);
      rejecting.close();
      assert.equal(run.code, 1);
      assert.match(run.stderr, /POST http:.*\/reports answered 422: UuidNotInFleet: GPU not in fleet 7/);
    });
  });
});
