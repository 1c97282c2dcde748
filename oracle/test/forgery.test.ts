/**
 * Forgery tests: one per rejection reason. Each forged submission goes through the node's wire path (JSON text in),
 * and each test asserts the reason code, the field it names, a +1 on that reason's metric, a log line, and that the
 * node's state (accepted reports, used nonces) did not change.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { network } from "hardhat";
import type { PublicClient } from "viem";
import { sampleDigest } from "../src/challenge.js";
import { stringify, type ProbeSubmission } from "../src/report.js";
import { viemChainView } from "../src/node/chain.js";
import { createNodeCore, type NodeCore } from "../src/node/node.js";
import type { RejectionCode } from "../src/node/rejections.js";
import { serveNode } from "../src/node/server.js";
import { issueTicket } from "../src/node/tickets.js";
import type { NodeValuation } from "../src/node/valuation.js";
import {
  buildSubmission,
  cpuSamples,
  deployWithFleets,
  HOST,
  NODE_ACCOUNTS,
  OTHER_HOST,
  OUTSIDER,
  SMALL,
  TEST_LIMITS,
  testFleet,
  testValuation,
  type TestFleet,
} from "./nodeFixture.js";

describe("forged reports: each rejected with its reason, leaving no state behind", function () {
  let connection: Awaited<ReturnType<typeof network.connect>>;
  let fleet: TestFleet;
  let core: NodeCore;
  let lines: Record<string, unknown>[];
  let now: () => Promise<number>;
  let makeCore: (valuation?: NodeValuation, limits?: Partial<typeof TEST_LIMITS>) => NodeCore;

  before(async function () {
    connection = await network.connect();
    fleet = testFleet("forgery fleet", 1, 4);
    const p = await deployWithFleets(connection, [fleet]);
    const view = viemChainView(p.publicClient as unknown as PublicClient, { registry: p.registry.address, oracle: p.oracle.address }, { ttlMs: 0 });
    now = () => p.networkHelpers.time.latest();
    makeCore = (valuation = testValuation(), limits = {}) =>
      createNodeCore({
        account: NODE_ACCOUNTS[0]!,
        chain: view,
        chainId: p.chainId,
        oracle: p.oracle.address,
        valuation,
        limits: { ...TEST_LIMITS, ...limits },
        challenge: SMALL,
        clock: now,
        logger: { info: (event, f) => lines.push({ level: "info", event, ...f }), warn: (event, f) => lines.push({ level: "warn", event, ...f }), error: (event, f) => lines.push({ level: "error", event, ...f }) },
      });
    lines = [];
    core = makeCore();
  });

  after(async () => connection.close());

  async function honest(gpu = 0, over: Partial<Parameters<typeof buildSubmission>[0]> = {}, node = core): Promise<ProbeSubmission> {
    const ticket = await node.issue(SMALL);
    return buildSubmission({ ticket, fleet, gpu, domain: node.domain, observedAt: await now(), ...over });
  }

  async function rejectedCount(node: NodeCore, code: RejectionCode): Promise<number> {
    const metric = await node.metrics.reportsRejected.get();
    return metric.values.find((v) => v.labels.reason === code)?.value ?? 0;
  }

  async function expectRejected(submission: ProbeSubmission, code: RejectionCode, field: string | RegExp, node = core) {
    const before = node.store.counts();
    const countBefore = await rejectedCount(node, code);
    lines.length = 0;
    const result = await node.accept(stringify(submission));
    assert.equal(result.accepted, false, `expected ${code}, but the report was accepted`);
    if (result.accepted) return;
    assert.equal(result.rejection.code, code, result.rejection.message);
    if (typeof field === "string") assert.equal(result.rejection.field, field);
    else assert.match(result.rejection.field, field);
    assert.ok(result.rejection.message.startsWith(result.rejection.field), "the message names the field first");
    assert.deepEqual(node.store.counts(), before, "a rejected report must leave no state behind");
    assert.equal(await rejectedCount(node, code), countBefore + 1);
    const logged = lines.find((l) => l.event === "report-rejected");
    assert.equal(logged?.reason, code);
    assert.equal(logged?.field, result.rejection.field);
  }

  it("accepts an honest report, and counts it once", async () => {
    const before = core.store.counts();
    const result = await core.accept(stringify(await honest(0)));
    assert.ok(result.accepted, result.accepted ? "" : result.rejection.message);
    assert.deepEqual(core.store.counts(), { usedNonces: before.usedNonces + 1, reports: before.reports + 1 });
  });

  it("accepts a ticket any registered node issued, so one challenge serves the quorum", async () => {
    const ticket = await issueTicket(NODE_ACCOUNTS[2]!, SMALL, await now());
    const result = await core.accept(stringify(await buildSubmission({ ticket, fleet, gpu: 1, domain: core.domain, observedAt: await now() })));
    assert.ok(result.accepted, result.accepted ? "" : result.rejection.message);
  });

  it("bad signature: the report's signature is not the claimed host key's", async () => {
    const s = await honest(0, { host: OTHER_HOST });
    await expectRejected({ ...s, signer: HOST.address }, "bad-signature", "signature");
  });

  it("host key not registered for the fleet (FleetRegistry.isHostSigner on-chain)", async () => {
    await expectRejected(await honest(0, { host: OTHER_HOST }), "host-not-registered", "signer");
  });

  it("GPU UUID not in the fleet's Merkle root", async () => {
    const stranger = testFleet("someone else's fleet", 1, 4);
    stranger.fleetId = fleet.fleetId;
    await expectRejected(await honest(0, { fleet: stranger }), "gpu-not-in-fleet", "report.gpuUuidHash");
  });

  it("a UUID that does not hash to the reported leaf (an inner tree node posing as a GPU)", async () => {
    const s = await honest(2);
    const innerNode = s.proof[1]!; // a hash of two leaves: it verifies with a shorter proof, but has no GPU UUID
    const forged = await buildSubmission({ ticket: s.ticket, fleet, gpu: 2, domain: core.domain, observedAt: s.report.observedAt, report: { gpuUuidHash: innerNode } });
    await expectRejected({ ...forged, proof: s.proof.slice(2) }, "uuid-mismatch", "details.identity.uuid");
  });

  it("nonce issued by a key that is not a FleetOracle signer", async () => {
    const ticket = await issueTicket(OUTSIDER, SMALL, await now());
    await expectRejected(await honest(0, { ticket }), "unknown-nonce-issuer", "ticket.issuer");
  });

  it("a ticket whose signature is not its issuer's", async () => {
    const ticket = await core.issue(SMALL);
    const forgedTicket = { ...ticket, signature: await OUTSIDER.signMessage({ message: { raw: ticket.nonce } }) };
    await expectRejected(await honest(0, { ticket: forgedTicket }), "bad-ticket-signature", "ticket.signature");
  });

  it("a ticket whose fields were changed after signing (a smaller k)", async () => {
    const s = await honest(0);
    await expectRejected({ ...s, ticket: { ...s.ticket, k: 128 } }, "ticket-nonce-mismatch", "ticket.nonce");
  });

  it("a report carrying another nonce than its ticket", async () => {
    const other = await core.issue(SMALL);
    await expectRejected(await honest(0, { report: { nonce: other.nonce } }), "ticket-nonce-mismatch", "report.nonce");
  });

  it("a challenge smaller than nodes accept", async () => {
    const ticket = await issueTicket(NODE_ACCOUNTS[0]!, { m: 64, n: 64, k: 32 }, await now());
    await expectRejected(await honest(0, { ticket }), "challenge-size", "ticket.k");
  });

  it("a ticket older than the ticket age limit", async () => {
    const ticket = await issueTicket(NODE_ACCOUNTS[0]!, SMALL, (await now()) - core.limits.maxTicketAgeSeconds - 1);
    await expectRejected(await honest(0, { ticket }), "stale-ticket", "ticket.issuedAt");
  });

  it("replayed nonce: the same report twice", async () => {
    const s = await honest(3);
    assert.ok((await core.accept(stringify(s))).accepted);
    await expectRejected(s, "replayed-nonce", "report.nonce");
  });

  it("stale observedAt: older than the report age limit", async () => {
    await expectRejected(await honest(0, { observedAt: (await now()) - core.limits.maxReportAgeSeconds - 1 }), "stale-observation", "report.observedAt");
  });

  it("stale observedAt: measured before its ticket existed", async () => {
    await expectRejected(await honest(0, { observedAt: (await now()) - core.limits.maxFutureSkewSeconds - 5 }), "stale-observation", "report.observedAt");
  });

  it("future observedAt", async () => {
    await expectRejected(await honest(0, { observedAt: (await now()) + core.limits.maxFutureSkewSeconds + 1 }), "future-observation", "report.observedAt");
  });

  it("a fleet the registry does not know", async () => {
    await expectRejected(await honest(0, { report: { fleetId: 999n } }), "unknown-fleet", "report.fleetId");
  });

  it("TFLOP/s above the class's spec peak", async () => {
    await expectRejected(await honest(0, { measurement: { tflops: 1_200 } }), "tflops-above-peak", "report.tflopsMilli");
  });

  it("bandwidth above the class's spec peak", async () => {
    await expectRejected(await honest(0, { measurement: { bandwidthGBps: 9_000 } }), "bandwidth-above-peak", "report.bandwidthGBps");
  });

  it("samples that do not match the signed digest", async () => {
    const s = await honest(0);
    const samples = [...s.samples];
    samples[5] = samples[5]! + 1;
    await expectRejected({ ...s, samples }, "sample-digest-mismatch", "report.sampleDigest");
  });

  it("a GEMM sample that does not recompute, even when digest and signature are consistent", async () => {
    const ticket = await core.issue(SMALL);
    const samples = cpuSamples(ticket);
    samples[7] = samples[7]! + Math.abs(samples[7]!) * 0.05 + 1;
    const s = await buildSubmission({ ticket, fleet, gpu: 0, domain: core.domain, observedAt: await now(), samples });
    assert.equal(s.report.sampleDigest, sampleDigest(samples));
    await expectRejected(s, "sample-mismatch", "samples[7]");
  });

  it("a recorded-profile replay sent to a node that counts only live measurements", async () => {
    const strict = makeCore(testValuation(), { acceptReplays: false });
    await expectRejected(await honest(0, { measurement: { replay: true } }, strict), "replay-not-accepted", "report.replay", strict);
  });

  it("a fleet whose class the node has no model parameters for", async () => {
    const blind = makeCore({ ...testValuation(), classPeak: () => undefined });
    await expectRejected(await honest(0, {}, blind), "class-not-configured", "fleet.classId", blind);
  });

  it("malformed fields, named", async () => {
    const s = await honest(0);
    await expectRejected({ ...s, report: { ...s.report, utilizationBps: 20_000 } }, "malformed", "report.utilizationBps");
    await expectRejected({ ...s, samples: s.samples.slice(0, 4) }, "malformed", "samples");
    const result = await core.accept("{not json");
    assert.ok(!result.accepted && result.rejection.code === "malformed");
  });

  it("a forged copy of a ticket does not burn its nonce: the honest report with that ticket still gets in", async () => {
    const ticket = await core.issue(SMALL);
    const observedAt = await now();
    await expectRejected(await buildSubmission({ ticket, fleet, gpu: 1, host: OTHER_HOST, domain: core.domain, observedAt }), "host-not-registered", "signer");
    await expectRejected(await buildSubmission({ ticket, fleet, gpu: 1, domain: core.domain, observedAt, measurement: { tflops: 5_000 } }), "tflops-above-peak", "report.tflopsMilli");
    const result = await core.accept(stringify(await buildSubmission({ ticket, fleet, gpu: 1, domain: core.domain, observedAt })));
    assert.ok(result.accepted, result.accepted ? "" : result.rejection.message);
  });

  it("two copies of one report verified at the same time: exactly one is counted", async () => {
    const s = stringify(await honest(2));
    const before = core.store.counts();
    const results = await Promise.all([core.accept(s), core.accept(s), core.accept(s)]);
    assert.equal(results.filter((r) => r.accepted).length, 1);
    assert.ok(results.filter((r) => !r.accepted).every((r) => !r.accepted && r.rejection.code === "replayed-nonce"));
    assert.equal(core.store.counts().usedNonces, before.usedNonces + 1);
  });

  it("over HTTP: 422 with reason, field, value and message; 200 for an honest report; rejections in /metrics", async () => {
    const server = await serveNode(core);
    try {
      const ticket = (await (await fetch(`${server.url}/nonce?m=64&n=64&k=64`)).json()) as Awaited<ReturnType<NodeCore["issue"]>>;
      const good = await buildSubmission({ ticket, fleet, gpu: 3, domain: core.domain, observedAt: await now() });
      const bad = await buildSubmission({ ticket, fleet, gpu: 3, domain: core.domain, observedAt: await now(), measurement: { tflops: 2_000 } });
      const post = (s: ProbeSubmission) => fetch(`${server.url}/reports`, { method: "POST", body: stringify(s) });
      const rejected = await post(bad);
      assert.equal(rejected.status, 422);
      const body = (await rejected.json()) as Record<string, unknown>;
      assert.deepEqual({ reason: body.reason, field: body.field, value: body.value }, { reason: "tflops-above-peak", field: "report.tflopsMilli", value: 2_000_000 });
      assert.match(String(body.message), /report\.tflopsMilli 2000000 .* peak of 989; report what the GEMM measured/);
      assert.equal((await post(good)).status, 200);
      assert.equal((await fetch(`${server.url}/nonce?k=4`)).status, 400);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /oracle_reports_rejected_total\{reason="tflops-above-peak",node="0x[0-9a-fA-F]{40}"\} [1-9]/);
      assert.match(metrics, /oracle_reports_accepted_total\{node="0x[0-9a-fA-F]{40}"\} [1-9]/);
    } finally {
      await server.close();
    }
  });
});
