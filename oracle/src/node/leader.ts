/**
 * Leading a round: gather the live nodes' observations, take the median, drop what the contract would refuse, collect
 * a quorum of signatures, relay. And the timer that decides who leads.
 *
 * Who leads: the nodes sorted by address take turns by round id. A node that has seen no new round for two more
 * ticks passes the turn to the next, so a dead leader costs about two intervals, and the network keeps publishing as
 * long as a quorum is alive. Two, not one: nodes' ticks are not synchronized, so a node's first tick after a round
 * lands can fall just after the landing and its second just before the rightful leader's first tick; handing over
 * after one tick let the wrong node lead (or two nodes race) whenever ticks fell that way. Two nodes may still lead
 * the same round when a round takes longer than an interval; the second relay finds the round landed (or reverts
 * RoundNotIncreasing) and stops, so that costs at most one wasted dry run.
 */
import { getAddress, recoverAddress, type Address, type LocalAccount, type PublicClient } from "viem";
import { hashRound, sortSignatures, type Round, type SignedMessage } from "../eip712.js";
import { stringify } from "../report.js";
import { aggregate, type Observation } from "./aggregate.js";
import { parseObservation } from "./codec.js";
import type { NodeCore } from "./node.js";
import { DEFAULT_RETRY, submitRound, type RetryPolicy, type SubmitOutcome } from "./submit.js";

export type Peer = { url: string; address: Address };

/** Ticks without a new round after which the turn passes on (see the header for why two). */
export const HANDOVER_TICKS = 2;

export type LeadOutcome =
  | { outcome: "submitted"; round: Round; submit: SubmitOutcome; observers: Address[]; signers: Address[] }
  | { outcome: "nothing-to-publish"; observers: Address[] }
  | { outcome: "no-quorum"; round: Round; observers: Address[]; signers: Address[]; quorum: number; refusals: string[] };

export type LeaderConfig = {
  core: NodeCore;
  peers: () => readonly Peer[]; // every node, this one included
  client: PublicClient;
  submitter: LocalAccount; // pays for submitRound; any funded key, not necessarily a signer
  oracle: Address;
  retry?: RetryPolicy;
  peerTimeoutMs?: number;
};

async function fetchJson(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.json() };
}

export function createLeader(config: LeaderConfig) {
  const { core } = config;
  const timeoutMs = config.peerTimeoutMs ?? 3_000;
  const others = () => config.peers().filter((p) => getAddress(p.address) !== core.address);

  async function collectObservations(observedAt: number): Promise<Observation[]> {
    const remote = await Promise.all(
      others().map(async (peer) => {
        try {
          const { status, body } = await fetchJson(`${peer.url}/observation?at=${observedAt}`, {}, timeoutMs);
          if (status !== 200) throw new Error(`HTTP ${status}: ${stringify(body)}`);
          const observation = parseObservation(body);
          if (observation.node !== getAddress(peer.address)) throw new Error(`answered as ${observation.node}, expected ${peer.address}`);
          return observation;
        } catch (error) {
          core.log.warn("peer-unreachable", { peer: peer.url, step: "observation", error: (error as Error).message });
          return null;
        }
      }),
    );
    return [await core.observe(observedAt), ...remote.filter((o): o is Observation => o !== null)];
  }

  /** Removes entries FleetOracle would revert on, so one fleet out of its class bounds cannot block every other. */
  async function withinBounds(round: Round): Promise<Round> {
    const fleets = [];
    for (const f of round.fleets) {
      const fleet = await core.chain.fleet(f.fleetId);
      if (!fleet) continue;
      const { min, max } = await core.chain.classBounds(fleet.classId);
      const count = BigInt(fleet.gpuCount);
      if (f.value > min * count && f.value < max * count) fleets.push(f);
      else core.log.warn("fleet-out-of-bounds", { roundId: round.roundId, fleetId: f.fleetId, value: f.value, minExclusive: min * count, maxExclusive: max * count });
    }
    const indices = [];
    for (const c of round.indices) {
      const { min, max } = await core.chain.classBounds(c.classId);
      if (c.valuePerGpu > min && c.valuePerGpu < max) indices.push(c);
      else core.log.warn("index-out-of-bounds", { roundId: round.roundId, classId: c.classId, valuePerGpu: c.valuePerGpu, minExclusive: min, maxExclusive: max });
    }
    return { ...round, fleets, indices };
  }

  async function collectSignatures(round: Round): Promise<{ signed: SignedMessage[]; refusals: string[] }> {
    const digest = hashRound(core.domain, round);
    const refusals: string[] = [];
    const ask = async (peer: Peer): Promise<SignedMessage | null> => {
      try {
        if (getAddress(peer.address) === core.address) {
          const own = await core.sign(round);
          if (own.signed) return own.signature;
          refusals.push(`${peer.address}: ${own.refusal.reason}`);
          return null;
        }
        const { status, body } = await fetchJson(`${peer.url}/sign`, { method: "POST", headers: { "content-type": "application/json" }, body: stringify({ round }) }, timeoutMs);
        const answer = body as { signer?: string; signature?: `0x${string}`; reason?: string; message?: string };
        if (status !== 200 || !answer.signature) {
          refusals.push(`${peer.address}: ${answer.reason ?? `HTTP ${status}`}`);
          return null;
        }
        // A signature counts only if it is the peer's own key over exactly this round and the key is a signer now.
        const signer = await recoverAddress({ hash: digest, signature: answer.signature });
        if (signer !== getAddress(peer.address) || !(await core.chain.isOracleSigner(signer))) {
          refusals.push(`${peer.address}: signature recovers to ${signer}, not a registered signer at that peer`);
          return null;
        }
        return { signer, signature: answer.signature };
      } catch (error) {
        refusals.push(`${peer.address}: unreachable (${(error as Error).message})`);
        return null;
      }
    };
    const answers = await Promise.all(config.peers().map(ask));
    return { signed: answers.filter((a): a is SignedMessage => a !== null), refusals };
  }

  /** Leads one round now: the next round id, observed at the node's clock. */
  async function leadRound(): Promise<LeadOutcome> {
    const [quorum, latest, observedAt] = await Promise.all([core.chain.quorum(), core.chain.latestRoundId(), core.clock()]);
    const roundId = latest + 1n;
    const observations = await collectObservations(observedAt);
    const observers = observations.map((o) => o.node);
    const median = aggregate(observations, quorum);
    if (median.underObserved.fleetIds.length || median.underObserved.classIds.length) {
      core.log.warn("under-observed", { roundId, quorum, observers: observers.length, ...median.underObserved });
    }
    const round = await withinBounds({ roundId, observedAt, fleets: median.fleets, indices: median.indices });
    if (round.fleets.length === 0 && round.indices.length === 0) {
      core.metrics.roundsLed.inc({ outcome: "nothing-to-publish" });
      core.log.info("round-skipped", { roundId, observedAt, observers: observers.length, reason: "no fleet observed by a quorum" });
      return { outcome: "nothing-to-publish", observers };
    }
    const { signed, refusals } = await collectSignatures(round);
    if (signed.length < quorum) {
      core.metrics.roundsLed.inc({ outcome: "no-quorum" });
      core.log.warn("round-no-quorum", { roundId, observedAt, signatures: signed.length, quorum, refusals });
      return { outcome: "no-quorum", round, observers, signers: signed.map((s) => s.signer), quorum, refusals };
    }
    // Exactly a quorum: more signatures would only cost gas. The lowest addresses are taken so any two leaders
    // holding the same signatures relay the same bytes.
    const chosen = [...signed].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1)).slice(0, quorum);
    const submit = await submitRound(round, sortSignatures(chosen), {
      client: config.client,
      account: config.submitter,
      oracle: config.oracle,
      retry: config.retry ?? DEFAULT_RETRY,
      onRetry: (attempt, error, delayMs) => {
        core.metrics.submissionRetries.inc();
        core.log.warn("submit-retry", { roundId, attempt, error, delayMs });
      },
    });
    core.metrics.roundsLed.inc({ outcome: submit.outcome });
    if (submit.outcome === "landed") {
      core.metrics.roundsSubmitted.inc();
      core.metrics.lastRoundId.set(Number(roundId));
      core.log.info("round-submitted", { roundId, observedAt, fleets: round.fleets.length, indices: round.indices.length, hash: submit.hash, gasUsed: submit.gasUsed, attempts: submit.attempts, signers: chosen.map((s) => s.signer) });
    } else if (submit.outcome === "already-landed") {
      core.log.info("round-already-landed", { roundId, latestRoundId: submit.latestRoundId });
    } else {
      core.log.error("round-submit-failed", { roundId, error: submit.error, attempts: submit.attempts });
    }
    return { outcome: "submitted", round, submit, observers, signers: chosen.map((s) => s.signer) };
  }

  /** The node whose turn it is to lead `roundId` after `passedTurns` turns went by without a new round. */
  function leaderOf(roundId: bigint, passedTurns: number): Address {
    const sorted = config.peers().map((p) => getAddress(p.address)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    return sorted[Number((roundId + BigInt(passedTurns)) % BigInt(sorted.length))]!;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let lastSeen = -1n;
  let missed = 0;
  let busy = false;

  /**
   * One tick of the timer: leads when it is this node's turn, else returns null. Exposed so a caller (a test, a
   * demo moving chain time) can drive the rotation step by step instead of racing the timer.
   */
  async function tick(): Promise<LeadOutcome | null> {
    const latest = await core.chain.latestRoundId();
    core.metrics.lastRoundId.set(Number(latest));
    if (latest !== lastSeen) {
      lastSeen = latest;
      missed = 0;
    } else missed++;
    return leaderOf(latest + 1n, Math.floor(missed / HANDOVER_TICKS)) === core.address ? leadRound() : null;
  }

  return {
    leadRound,
    leaderOf,
    tick,
    /** Publishes on a timer: each tick, the node whose turn it is leads. */
    start(intervalMs: number) {
      if (timer) return;
      timer = setInterval(() => {
        // A slow round skips ticks rather than queueing them: rounds must not overlap.
        if (busy) return;
        busy = true;
        running = tick()
          .catch((error: unknown) => core.log.error("tick-failed", { error: (error as Error).message }))
          .finally(() => (busy = false));
      }, intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type Leader = ReturnType<typeof createLeader>;
