/**
 * Who may call what, generated from the deployment rather than listed by hand.
 *
 * The contracts come from the Ignition module the fixture deploys (`GpuCreditLocal.results`; the fixture must return
 * every one of them), their functions from the compiled ABIs (`abi/generated.ts`), and the intended outcome from the
 * role map `FUNCTION_ROLES`. A contract added to the module, or a function added to a contract, joins the matrix by
 * itself. For every state-changing function and every caller in {admin, risk curator, underwriter, oracle admin,
 * guardian, stranger}:
 *
 * - restricted (listed in FUNCTION_ROLES): the role's holder passes the access check, at once or through
 *   schedule → wait → execute when the role has a delay (a direct call then fails with AccessManagerNotScheduled);
 *   everybody else is refused with AccessManagedUnauthorized, and cannot schedule or execute it through the manager;
 * - `setAuthority`: only the AccessManager itself may call it (the admin, through a delayed schedule);
 * - GPUSD `mint`/`burn`: only GPUSD's own minters; every person gets NotMinter;
 * - the auction's entry points (LIQUIDATOR_GATED): only that contract's liquidators; every person gets NotLiquidator;
 * - anything else is open: it may revert for business reasons (arguments are zero/placeholder values built from the
 *   ABI) but never for lack of a role.
 *
 * The AccessManager's own functions follow OpenZeppelin's rules (admin-only configuration, relays whose access
 * depends on the operation they carry, renounce-for-yourself); a function added to it must be classified below.
 * Each attempt is an `eth_call` against the deployed state; sequences that move time or schedule run inside a snapshot.
 */
import assert from "node:assert/strict";
import {
  decodeErrorResult,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  toFunctionSelector,
  type Abi,
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Hex,
} from "viem";
import { FutureType, type Future, type IgnitionModule } from "@nomicfoundation/ignition-core";
import { GpuCreditLocal } from "../ignition/modules/GpuCredit.js";
import * as abis from "../abi/index.js";
import { FUNCTION_ROLES, HUMAN_ROLES, LIQUIDATOR_GATED, ROLES, ROLE_DELAYS, type RoleName } from "../scripts/lib/governance.js";
import { DAY, cachedFixture, deploySystem, type LocalAccountName } from "./helpers/system.js";

type Sys = Awaited<ReturnType<typeof deploySystem>>;
const load = cachedFixture(deploySystem);

// ─── What the module deploys (static, so each function gets its own test) ───────────────────────────────────────

const CONTRACT_FUTURES = new Set<FutureType>([
  FutureType.NAMED_ARTIFACT_CONTRACT_DEPLOYMENT,
  FutureType.CONTRACT_DEPLOYMENT,
  FutureType.NAMED_ARTIFACT_CONTRACT_AT,
  FutureType.CONTRACT_AT,
]);
const DEPLOYMENT_FUTURES = new Set<FutureType>([FutureType.NAMED_ARTIFACT_CONTRACT_DEPLOYMENT, FutureType.CONTRACT_DEPLOYMENT]);

type ContractFuture = Future & { contractName: string };
const isContractFuture = (f: Future): f is ContractFuture => CONTRACT_FUTURES.has(f.type);

function allFutures(module: IgnitionModule): Future[] {
  return [...module.futures, ...[...module.submodules].flatMap((sub) => allFutures(sub))];
}

/** `abi/generated.ts` names each ABI like scripts/export-abi.ts does: GPUSD → gpusdAbi, TestUSDC → testUSDCAbi. */
function generatedAbi(contractName: string): Abi {
  const exportName = `${contractName.replace(/^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/, (m) => m.toLowerCase())}Abi`;
  const abi = (abis as Record<string, unknown>)[exportName];
  if (!Array.isArray(abi)) throw new Error(`abi/generated.ts has no ${exportName} for ${contractName}: run \`npm run build\``);
  return abi as Abi;
}

const functionsOf = (abi: Abi) => abi.filter((item): item is AbiFunction => item.type === "function");
const isWrite = (fn: AbiFunction) => fn.stateMutability === "nonpayable" || fn.stateMutability === "payable";
const hasFunctions = (abi: Abi, names: string[]) => names.every((name) => functionsOf(abi).some((fn) => fn.name === name));

type Kind = "manager" | "managed" | "plain";
type Deployed = { key: string; futureId: string; contractName: string; abi: Abi; kind: Kind; writes: AbiFunction[] };

const DEPLOYED: Deployed[] = Object.entries(GpuCreditLocal.results as Record<string, Future>)
  .filter((entry): entry is [string, ContractFuture] => isContractFuture(entry[1]))
  .map(([key, future]) => {
    const abi = generatedAbi(future.contractName);
    const kind: Kind = hasFunctions(abi, ["schedule", "execute", "cancel", "canCall", "hashOperation"])
      ? "manager"
      : hasFunctions(abi, ["authority", "setAuthority", "isConsumingScheduledOp"])
        ? "managed"
        : "plain";
    return { key, futureId: future.id, contractName: future.contractName, abi, kind, writes: functionsOf(abi).filter(isWrite) };
  });

// ─── Callers and the intended policy ────────────────────────────────────────────────────────────────────────────

/** The six callers of the matrix and the role each one is meant to hold (deployProtocol's parameters). */
const CALLERS = [
  { label: "admin", account: "deployer", role: "ADMIN" },
  { label: "riskCurator", account: "riskCurator", role: "RISK_CURATOR" },
  { label: "underwriter", account: "underwriter", role: "UNDERWRITER" },
  { label: "oracleAdmin", account: "oracleAdmin", role: "ORACLE_ADMIN" },
  { label: "guardian", account: "guardian", role: "GUARDIAN" },
  { label: "stranger", account: "stranger", role: undefined },
] as const satisfies readonly { label: string; account: LocalAccountName; role: (typeof HUMAN_ROLES)[number] | undefined }[];
type Caller = { label: string; address: Address; role: RoleName | undefined };

/** DESIGN §3's governance table, written out independently of ROLE_DELAYS so that a wrong delay there fails here. */
const DESIGN_DELAYS: Record<(typeof HUMAN_ROLES)[number], number> = {
  ADMIN: 2 * Number(DAY),
  RISK_CURATOR: 1 * Number(DAY),
  UNDERWRITER: 0,
  ORACLE_ADMIN: 2 * Number(DAY),
  GUARDIAN: 0,
};

/** DESIGN §3 / README "Governance": what each role may do. A function moved to the wrong role in FUNCTION_ROLES fails. */
const DESIGN_SCOPE: Record<RoleName, { says: string; allows: (contract: string, fn: string) => boolean }> = {
  ADMIN: {
    says: "role changes, GPUSD's minter set and the liquidator sets",
    allows: (c, f) => (c === "GPUSD" && f === "setMinter") || (c in LIQUIDATOR_GATED && f === "setLiquidator"),
  },
  RISK_CURATOR: {
    says: "parameters within hard-coded bounds (classes, ceilings, oracle bounds and safety parameters, fees, reserve factor, smear window)",
    allows: (c, f) => c !== "FleetRegistry" && /^set/.test(f) && !/Minter|Liquidator|Signer|Quorum|Authority/.test(f),
  },
  UNDERWRITER: { says: "onboard and retire fleets, host signer keys", allows: (c) => c === "FleetRegistry" },
  ORACLE_ADMIN: { says: "the oracle's signer set and quorum, resuming a stopped oracle", allows: (c, f) => c === "FleetOracle" && /Signer|Quorum|^resume$/.test(f) },
  GUARDIAN: { says: "pause, and stop the oracle", allows: (_c, f) => /^(pause|unpause|stop)$/.test(f) },
  RESERVE: { says: "the Reserve's hand-off of interest to savers", allows: (c, f) => c === "SavingsVault" && f === "addInterest" },
};

/** Gated by GPUSD's own minter set instead of the AccessManager (see FUNCTION_ROLES' note). */
const MINTER_GATED: Record<string, readonly string[]> = { GPUSD: ["mint", "burn"] };
/** Gated by the contract's own liquidator set (ILiquidatorGated) instead of the AccessManager. */
const LIQUIDATOR_ONLY = LIQUIDATOR_GATED as Record<string, readonly string[] | undefined>;

/** OpenZeppelin AccessManager's own entry points, by how AccessManager.sol guards them. */
const MANAGER_ADMIN_FUNCTIONS = new Set([
  // `onlyAuthorized`: ADMIN_ROLE (grantRole/revokeRole: the role's admin, which is ADMIN_ROLE for every protocol role).
  "labelRole",
  "grantRole",
  "revokeRole",
  "setRoleAdmin",
  "setRoleGuardian",
  "setGrantDelay",
  "setTargetFunctionRole",
  "setTargetAdminDelay",
  "setTargetClosed",
  "updateAuthority",
]);
type Relay = "schedule" | "execute" | "cancel" | "consumeScheduledOp" | "multicall";
/** Open entry points whose access depends on the operation they carry. */
const MANAGER_RELAYS = new Set<string>(["schedule", "execute", "cancel", "consumeScheduledOp", "multicall"] satisfies Relay[]);

type Rule =
  | { kind: "restricted"; role: RoleName; refusal: "AccessManagedUnauthorized" | "AccessManagerUnauthorizedAccount" }
  | { kind: "authorityOnly" }
  | { kind: "minter" }
  | { kind: "liquidator" }
  | { kind: "relay"; relay: Relay }
  | { kind: "renounce" }
  | { kind: "open" }
  | { kind: "unclassified" };

const roleOf = (contractName: string, fn: string): RoleName | undefined =>
  (FUNCTION_ROLES as Record<string, Record<string, RoleName> | undefined>)[contractName]?.[fn];

function ruleFor(d: Deployed, fn: AbiFunction): Rule {
  if (d.kind === "manager") {
    if (MANAGER_ADMIN_FUNCTIONS.has(fn.name)) return { kind: "restricted", role: "ADMIN", refusal: "AccessManagerUnauthorizedAccount" };
    if (MANAGER_RELAYS.has(fn.name)) return { kind: "relay", relay: fn.name as Relay };
    if (fn.name === "renounceRole") return { kind: "renounce" };
    return { kind: "unclassified" };
  }
  const role = roleOf(d.contractName, fn.name);
  if (role) return { kind: "restricted", role, refusal: "AccessManagedUnauthorized" };
  if (d.kind === "managed" && fn.name === "setAuthority") return { kind: "authorityOnly" };
  if (MINTER_GATED[d.contractName]?.includes(fn.name)) return { kind: "minter" };
  if (LIQUIDATOR_ONLY[d.contractName]?.includes(fn.name)) return { kind: "liquidator" };
  return { kind: "open" };
}

const days = (seconds: number) => `${seconds / Number(DAY)} day${seconds === Number(DAY) ? "" : "s"}`;
const holderLabel = (role: RoleName) => CALLERS.find((c) => c.role === role)?.label ?? `${role} role's holders`;
const signature = (fn: AbiFunction) => `${fn.name}(${fn.inputs.map((input) => input.type).join(",")})`;

function title(fn: AbiFunction, rule: Rule): string {
  const sig = signature(fn);
  switch (rule.kind) {
    case "restricted": {
      const delay = ROLE_DELAYS[rule.role];
      const how = delay === 0 ? "at once" : `only through a schedule ${days(delay)} ahead`;
      return `${sig}: the ${holderLabel(rule.role)} may call it ${how}; everyone else gets ${rule.refusal}`;
    }
    case "authorityOnly":
      return `${sig}: only the AccessManager itself, i.e. the admin through a schedule ${days(ROLE_DELAYS.ADMIN)} ahead; everyone else gets AccessManagedUnauthorized`;
    case "minter":
      return `${sig}: only GPUSD's minter contracts; every person gets NotMinter`;
    case "liquidator":
      return `${sig}: only the contract's liquidators (the auction); every person gets NotLiquidator`;
    case "relay":
      return {
        schedule: `${sig}: only the admin can schedule an admin operation; everyone else gets AccessManagerUnauthorizedCall`,
        execute: `${sig}: an admin operation runs only for the admin and only once scheduled`,
        multicall: `${sig}: batching gives no one extra rights over admin operations`,
        cancel: `${sig}: only the proposer or an admin cancels a scheduled admin operation`,
        consumeScheduledOp: `${sig}: no account can consume someone else's scheduled operation`,
      }[rule.relay];
    case "renounce":
      return `${sig}: each holder can renounce only their own role`;
    case "open":
      return `${sig}: open, no caller is refused for lack of a role`;
    case "unclassified":
      return `${sig}: is classified by this test`;
  }
}

// ─── Calling and reading reverts ────────────────────────────────────────────────────────────────────────────────

/** AccessManager.PUBLIC_ROLE: type(uint64).max, which every address holds. */
const PUBLIC_ROLE = 2n ** 64n - 1n;

/** A fixed, non-zero address that holds nothing and no role. */
const PLACEHOLDER: Address = "0x000000000000000000000000000000000000bEEF";

/** A zero/placeholder value for any ABI type, tuples and arrays included. */
function placeholderValue(param: AbiParameter): unknown {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type);
  if (array) {
    const element = { ...param, type: array[1]! } as AbiParameter;
    return array[2] === "" ? [] : Array.from({ length: Number(array[2]) }, () => placeholderValue(element));
  }
  if (param.type === "tuple") return (param as { components: readonly AbiParameter[] }).components.map(placeholderValue);
  if (param.type === "address") return PLACEHOLDER;
  if (param.type === "bool") return false;
  if (param.type === "string") return "";
  if (param.type === "bytes") return "0x";
  const fixedBytes = /^bytes(\d+)$/.exec(param.type);
  if (fixedBytes) return `0x${"00".repeat(Number(fixedBytes[1]))}`;
  if (/^u?int\d*$/.test(param.type)) return 0n;
  throw new Error(`no placeholder for ABI type ${param.type}`);
}

const encodeCall = (fn: AbiFunction, args: readonly unknown[]) =>
  encodeFunctionData({ abi: [fn], functionName: fn.name, args } as unknown as Parameters<typeof encodeFunctionData>[0]);
const encodePlaceholderCall = (fn: AbiFunction) => encodeCall(fn, fn.inputs.map(placeholderValue));
const managerCall = (functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi: abis.protocolAccessManagerAbi, functionName, args } as unknown as Parameters<typeof encodeFunctionData>[0]);
/** AccessManager.hashOperation: keccak256(abi.encode(caller, target, data)). */
const operationId = (caller: Address, target: Address, data: Hex) =>
  keccak256(encodeAbiParameters([{ type: "address" }, { type: "address" }, { type: "bytes" }], [caller, target, data]));

type Outcome = { reverted: false } | { reverted: true; error?: string; args: readonly unknown[]; data: Hex };

/** Refusals for lack of a role, a schedule or a minter seat. An open function must never produce one. */
const ACCESS_ERROR = /^(AccessManaged(Unauthorized|RequiredDelay)|AccessManager(Unauthorized\w*|NotScheduled|NotReady)|NotMinter|NotLiquidator)$|Unauthori[sz]ed/;
const isAccessRefusal = (o: Outcome) => o.reverted && o.error !== undefined && ACCESS_ERROR.test(o.error);

function revertOf(error: unknown): Outcome {
  let data: Hex | undefined;
  const walk = (error as { walk?: (fn: (e: unknown) => boolean) => unknown }).walk;
  walk?.call(error, (e) => {
    const candidate = (e as { data?: unknown }).data;
    if (data === undefined && typeof candidate === "string" && /^0x[0-9a-fA-F]*$/.test(candidate)) data = candidate as Hex;
    return false;
  });
  if (data === undefined) throw error; // not a revert: let the failure surface as it is
  try {
    const decoded = decodeErrorResult({ abi: abis.allErrorsAbi, data });
    return { reverted: true, error: decoded.errorName, args: (decoded.args ?? []) as readonly unknown[], data };
  } catch {
    return { reverted: true, args: [], data };
  }
}

/** Runs the call as `from` against the current state, without sending a transaction. */
async function attempt(sys: Sys, from: Address, to: Address, data: Hex): Promise<Outcome> {
  try {
    await sys.publicClient.call({ account: from, to, data });
    return { reverted: false };
  } catch (error) {
    return revertOf(error);
  }
}

const normalize = (value: unknown): unknown =>
  typeof value === "string" ? value.toLowerCase() : typeof value === "bigint" || typeof value === "number" ? value.toString() : Array.isArray(value) ? value.map(normalize) : value;
const show = (o: Outcome) =>
  !o.reverted ? "success" : o.error ? `${o.error}(${o.args.map((a) => String(a)).join(", ")})` : o.data === "0x" ? "a revert without data" : `an undecoded revert ${o.data}`;

/** Collects every mismatch of one function's row, so a failure shows the whole row at once. */
class Row {
  readonly problems: string[] = [];
  expectError(who: string, what: string, o: Outcome, error: string, args: readonly unknown[]) {
    const same = o.reverted && o.error === error && JSON.stringify(normalize(o.args)) === JSON.stringify(normalize(args));
    if (!same) this.problems.push(`${who} ${what}: expected ${error}(${args.map(String).join(", ")}), got ${show(o)}`);
  }
  expectPass(who: string, what: string, o: Outcome) {
    if (isAccessRefusal(o)) this.problems.push(`${who} ${what}: expected to pass the access check, got ${show(o)}`);
  }
  expectSuccess(who: string, what: string, o: Outcome) {
    if (o.reverted) this.problems.push(`${who} ${what}: expected success, got ${show(o)}`);
  }
  expectRevert(who: string, what: string, o: Outcome) {
    if (!o.reverted) this.problems.push(`${who} ${what}: expected a revert, got success`);
  }
}

// ─── Chain facts shared by the tests ────────────────────────────────────────────────────────────────────────────

type Ctx = {
  manager: Address;
  addressOf: Record<string, Address>;
  callers: Caller[];
  /** Current members of each role id with their execution delay, folded from RoleGranted/RoleRevoked. */
  members: Map<bigint, Map<Address, number>>;
  /** GPUSD's minter set, folded from MinterSet. */
  minters: Address[];
  /** Each liquidator-gated contract's liquidator set by fixture key, folded from LiquidatorSet. */
  liquidators: Record<string, Address[]>;
};

type ContractLike = { address: Address; abi: Abi };
const isContractLike = (value: unknown): value is ContractLike =>
  typeof value === "object" && value !== null && typeof (value as ContractLike).address === "string" && Array.isArray((value as ContractLike).abi);

let cachedCtx: Ctx | undefined;
async function context(sys: Sys): Promise<Ctx> {
  if (cachedCtx) return cachedCtx;
  const fixture = sys as unknown as Record<string, unknown>;
  const addressOf: Record<string, Address> = {};
  for (const d of DEPLOYED) {
    const contract = fixture[d.key];
    if (!isContractLike(contract)) throw new Error(`the fixture returns no contract "${d.key}", which the module deploys`);
    addressOf[d.key] = contract.address;
  }
  const managers = DEPLOYED.filter((d) => d.kind === "manager");
  assert.equal(managers.length, 1, `expected exactly one AccessManager among the deployed contracts, found ${managers.map((d) => d.key).join(", ")}`);
  const manager = addressOf[managers[0]!.key]!;

  const members = new Map<bigint, Map<Address, number>>();
  const roleLogs = await sys.publicClient.getContractEvents({ address: manager, abi: abis.protocolAccessManagerAbi, fromBlock: 0n });
  for (const log of roleLogs) {
    if (log.eventName === "RoleGranted") {
      const { roleId, account, delay } = log.args;
      const set = members.get(roleId!) ?? new Map<Address, number>();
      set.set(account!.toLowerCase() as Address, Number(delay));
      members.set(roleId!, set);
    } else if (log.eventName === "RoleRevoked") {
      members.get(log.args.roleId!)?.delete(log.args.account!.toLowerCase() as Address);
    }
  }

  const minterSet = new Set<Address>();
  for (const d of DEPLOYED.filter((x) => MINTER_GATED[x.contractName])) {
    const logs = await sys.publicClient.getContractEvents({ address: addressOf[d.key]!, abi: abis.gpusdAbi, eventName: "MinterSet", fromBlock: 0n });
    for (const log of logs) {
      const minter = log.args.minter!.toLowerCase() as Address;
      if (log.args.allowed) minterSet.add(minter);
      else minterSet.delete(minter);
    }
  }

  const liquidators: Record<string, Address[]> = {};
  for (const d of DEPLOYED.filter((x) => LIQUIDATOR_ONLY[x.contractName])) {
    const set = new Set<Address>();
    const logs = await sys.publicClient.getContractEvents({ address: addressOf[d.key]!, abi: abis.iLiquidatorGatedAbi, eventName: "LiquidatorSet", fromBlock: 0n });
    for (const log of logs) {
      const liquidator = log.args.liquidator!.toLowerCase() as Address;
      if (log.args.allowed) set.add(liquidator);
      else set.delete(liquidator);
    }
    liquidators[d.key] = [...set];
  }

  const callers = CALLERS.map((c) => ({ label: c.label, address: sys.accounts[c.account].account.address, role: c.role as RoleName | undefined }));
  cachedCtx = { manager, addressOf, callers, members, minters: [...minterSet], liquidators };
  return cachedCtx;
}

const membersOf = (ctx: Ctx, role: RoleName) => [...(ctx.members.get(ROLES[role])?.keys() ?? [])];
const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

// ─── The checks ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Schedules `data` on `target` as `caller`, waits `delay`, and returns what executing it gives; the chain is restored. */
async function scheduledOutcome(sys: Sys, row: Row, who: string, caller: Address, target: Address, data: Hex, delay: number) {
  const snapshot = await sys.networkHelpers.takeSnapshot();
  try {
    const scheduled = await attempt(sys, caller, sys.authority.address, managerCall("schedule", [target, data, 0]));
    row.expectSuccess(who, "scheduling", scheduled);
    if (scheduled.reverted) return undefined;
    await sys.authority.write.schedule([target, data, 0], { account: caller });
    const id = operationId(caller, target, data);
    row.expectError(who, "executing before the delay", await attempt(sys, caller, sys.authority.address, managerCall("execute", [target, data])), "AccessManagerNotReady", [id]);
    await sys.networkHelpers.time.increase(delay);
    return await attempt(sys, caller, sys.authority.address, managerCall("execute", [target, data]));
  } finally {
    await snapshot.restore();
  }
}

async function checkRestricted(sys: Sys, ctx: Ctx, row: Row, target: Address, fn: AbiFunction, rule: Extract<Rule, { kind: "restricted" }>) {
  const data = encodePlaceholderCall(fn);
  const selector = toFunctionSelector(fn);
  const delay = ROLE_DELAYS[rule.role];
  for (const c of ctx.callers) {
    const direct = await attempt(sys, c.address, target, data);
    if (c.role === rule.role) {
      if (delay === 0) {
        row.expectPass(c.label, "calling directly", direct);
      } else {
        row.expectError(c.label, "calling directly, unscheduled", direct, "AccessManagerNotScheduled", [operationId(c.address, target, data)]);
        const executed = await scheduledOutcome(sys, row, c.label, c.address, target, data, delay);
        if (executed) row.expectPass(c.label, `executing after ${days(delay)}`, executed);
      }
    } else {
      const refusalArgs = rule.refusal === "AccessManagedUnauthorized" ? [c.address] : [c.address, ROLES[rule.role]];
      row.expectError(c.label, "calling directly", direct, rule.refusal, refusalArgs);
      const viaSchedule = await attempt(sys, c.address, ctx.manager, managerCall("schedule", [target, data, 0]));
      row.expectError(c.label, "scheduling", viaSchedule, "AccessManagerUnauthorizedCall", [c.address, target, selector]);
      const viaExecute = await attempt(sys, c.address, ctx.manager, managerCall("execute", [target, data]));
      row.expectError(c.label, "executing through the manager", viaExecute, "AccessManagerUnauthorizedCall", [c.address, target, selector]);
    }
  }
  // Role holders outside the six callers (contracts, e.g. the Reserve for RESERVE) pass the check too.
  for (const holder of membersOf(ctx, rule.role).filter((m) => !ctx.callers.some((c) => sameAddress(c.address, m)))) {
    if (delay === 0) row.expectPass(`${rule.role} holder ${holder}`, "calling directly", await attempt(sys, holder, target, data));
    else row.problems.push(`${rule.role} holder ${holder} is not one of the matrix's callers but has a delay; extend the matrix`);
  }
  if (membersOf(ctx, rule.role).length === 0) row.problems.push(`nobody holds ${rule.role}, so ${fn.name} can never be called`);
}

async function checkAuthorityOnly(sys: Sys, ctx: Ctx, row: Row, target: Address, fn: AbiFunction) {
  const data = encodePlaceholderCall(fn);
  const selector = toFunctionSelector(fn);
  for (const c of ctx.callers) {
    row.expectError(c.label, "calling directly", await attempt(sys, c.address, target, data), "AccessManagedUnauthorized", [c.address]);
    if (c.role === "ADMIN") {
      const executed = await scheduledOutcome(sys, row, c.label, c.address, target, data, ROLE_DELAYS.ADMIN);
      // The placeholder has no code, so the call gets past the caller check and stops at AccessManagedInvalidAuthority.
      if (executed) row.expectError(c.label, `executing after ${days(ROLE_DELAYS.ADMIN)}`, executed, "AccessManagedInvalidAuthority", [PLACEHOLDER]);
    } else {
      row.expectError(c.label, "scheduling", await attempt(sys, c.address, ctx.manager, managerCall("schedule", [target, data, 0])), "AccessManagerUnauthorizedCall", [c.address, target, selector]);
    }
  }
}

async function checkMinterGated(sys: Sys, ctx: Ctx, row: Row, target: Address, fn: AbiFunction) {
  const data = encodePlaceholderCall(fn);
  for (const c of ctx.callers) row.expectError(c.label, "calling directly", await attempt(sys, c.address, target, data), "NotMinter", [c.address]);
  if (ctx.minters.length === 0) row.problems.push("GPUSD has no minter");
  for (const minter of ctx.minters) row.expectSuccess(`minter ${minter}`, "calling directly", await attempt(sys, minter, target, data));
}

async function checkLiquidatorGated(sys: Sys, ctx: Ctx, row: Row, d: Deployed, target: Address, fn: AbiFunction) {
  const data = encodePlaceholderCall(fn);
  for (const c of ctx.callers) row.expectError(c.label, "calling directly", await attempt(sys, c.address, target, data), "NotLiquidator", [c.address]);
  const liquidators = ctx.liquidators[d.key] ?? [];
  if (liquidators.length === 0) row.problems.push(`${d.key} has no liquidator, so ${fn.name} can never be called`);
  // Placeholder arguments may fail for business reasons (no such vault, nothing committed); never for access.
  for (const liquidator of liquidators) row.expectPass(`liquidator ${liquidator}`, "calling directly", await attempt(sys, liquidator, target, data));
}

async function checkOpen(sys: Sys, ctx: Ctx, row: Row, target: Address, fn: AbiFunction) {
  const data = encodePlaceholderCall(fn);
  for (const c of ctx.callers) row.expectPass(c.label, "calling", await attempt(sys, c.address, target, data));
  if (row.problems.length > 0) row.problems.push(`if ${fn.name} is meant to be restricted, add it to FUNCTION_ROLES in scripts/lib/governance.ts`);
}

/** Relays carry an admin operation on the manager itself: granting GUARDIAN to the placeholder. */
async function checkRelay(sys: Sys, ctx: Ctx, row: Row, relay: Relay) {
  const m = ctx.manager;
  const op = managerCall("grantRole", [ROLES.GUARDIAN, PLACEHOLDER, 0]);
  const opSelector = op.slice(0, 10) as Hex;
  const admin = ctx.callers.find((c) => c.role === "ADMIN")!;
  const call = (c: Caller, data: Hex) => attempt(sys, c.address, m, data);

  if (relay === "cancel" || relay === "consumeScheduledOp") {
    // Both act on an operation the admin has scheduled.
    const snapshot = await sys.networkHelpers.takeSnapshot();
    try {
      await sys.authority.write.schedule([m, op, 0], { account: admin.address });
      for (const c of ctx.callers) {
        if (relay === "cancel") {
          const o = await call(c, managerCall("cancel", [admin.address, m, op]));
          if (c.role === "ADMIN") row.expectSuccess(c.label, "cancelling the admin's operation", o);
          else row.expectError(c.label, "cancelling the admin's operation", o, "AccessManagerUnauthorizedCancel", [c.address, admin.address, m, opSelector]);
        } else {
          row.expectRevert(c.label, "consuming the admin's operation", await call(c, managerCall("consumeScheduledOp", [admin.address, op])));
        }
      }
    } finally {
      await snapshot.restore();
    }
    return;
  }

  for (const c of ctx.callers) {
    const isAdmin = c.role === "ADMIN";
    if (relay === "schedule") {
      if (isAdmin) {
        const executed = await scheduledOutcome(sys, row, c.label, c.address, m, op, ROLE_DELAYS.ADMIN);
        if (executed) row.expectSuccess(c.label, `executing after ${days(ROLE_DELAYS.ADMIN)}`, executed);
      } else {
        row.expectError(c.label, "scheduling", await call(c, managerCall("schedule", [m, op, 0])), "AccessManagerUnauthorizedCall", [c.address, m, opSelector]);
      }
    } else if (relay === "execute") {
      const o = await call(c, managerCall("execute", [m, op]));
      if (isAdmin) row.expectError(c.label, "executing unscheduled", o, "AccessManagerNotScheduled", [operationId(c.address, m, op)]);
      else row.expectError(c.label, "executing", o, "AccessManagerUnauthorizedCall", [c.address, m, opSelector]);
    } else {
      const o = await call(c, managerCall("multicall", [[op]]));
      if (isAdmin) row.expectError(c.label, "batching unscheduled", o, "AccessManagerNotScheduled", [operationId(c.address, m, op)]);
      else row.expectError(c.label, "batching", o, "AccessManagerUnauthorizedAccount", [c.address, ROLES.ADMIN]);
    }
  }
}

async function checkRenounce(sys: Sys, ctx: Ctx, row: Row) {
  const holders = ctx.callers.filter((c) => c.role !== undefined);
  for (const c of ctx.callers) {
    const other = holders.find((h) => h.address !== c.address)!;
    const forOther = await attempt(sys, c.address, ctx.manager, managerCall("renounceRole", [ROLES[other.role!], other.address]));
    row.expectError(c.label, `renouncing ${other.label}'s role`, forOther, "AccessManagerBadConfirmation", []);
    if (c.role) row.expectSuccess(c.label, "renouncing its own role", await attempt(sys, c.address, ctx.manager, managerCall("renounceRole", [ROLES[c.role], c.address])));
  }
}

async function checkRow(sys: Sys, ctx: Ctx, d: Deployed, fn: AbiFunction, rule: Rule): Promise<string[]> {
  const row = new Row();
  const target = ctx.addressOf[d.key]!;
  switch (rule.kind) {
    case "restricted":
      await checkRestricted(sys, ctx, row, target, fn, rule);
      break;
    case "authorityOnly":
      await checkAuthorityOnly(sys, ctx, row, target, fn);
      break;
    case "minter":
      await checkMinterGated(sys, ctx, row, target, fn);
      break;
    case "liquidator":
      await checkLiquidatorGated(sys, ctx, row, d, target, fn);
      break;
    case "relay":
      await checkRelay(sys, ctx, row, rule.relay);
      break;
    case "renounce":
      await checkRenounce(sys, ctx, row);
      break;
    case "open":
      await checkOpen(sys, ctx, row, target, fn);
      break;
    case "unclassified":
      row.problems.push(`${d.contractName}.${fn.name} is an AccessManager function this matrix does not know: classify it in MANAGER_ADMIN_FUNCTIONS or MANAGER_RELAYS`);
      break;
  }
  return row.problems;
}

// ─── Tests ──────────────────────────────────────────────────────────────────────────────────────────────────────

describe("Access-control matrix", function () {
  let sys: Sys;
  let ctx: Ctx;
  beforeEach(async function () {
    sys = await load();
    ctx = await context(sys);
  });

  describe("the deployment and the role map", function () {
    it("returns every contract the Ignition module deploys to the fixture, so the matrix covers each", async function () {
      const fromFixture = Object.entries(sys as unknown as Record<string, unknown>)
        .filter(([, value]) => isContractLike(value))
        .map(([key]) => key)
        .sort();
      assert.deepEqual(fromFixture, DEPLOYED.map((d) => d.key).sort(), "the fixture's contracts differ from the module's results");
      const returned = new Set(DEPLOYED.map((d) => d.futureId));
      const hidden = allFutures(GpuCreditLocal).filter((f) => DEPLOYMENT_FUTURES.has(f.type) && !returned.has(f.id)).map((f) => f.id);
      assert.deepEqual(hidden, [], "the module deploys contracts it does not return, so no test can reach them");
      for (const d of DEPLOYED) {
        const contract = (sys as unknown as Record<string, ContractLike>)[d.key]!;
        assert.deepEqual(contract.abi, d.abi, `${d.key}: abi/generated.ts differs from the compiled ${d.contractName}; run \`npm run build\``);
        const code = await sys.publicClient.getCode({ address: contract.address });
        assert.ok(code && code !== "0x", `${d.key} has no code at ${contract.address}`);
      }
      assert.equal(new Set(Object.values(ctx.addressOf)).size, DEPLOYED.length, "two fixture entries share an address");
    });

    it("lists in FUNCTION_ROLES only deployed, AccessManaged contracts and their existing state-changing functions", function () {
      for (const [contractName, table] of Object.entries(FUNCTION_ROLES as Record<string, Record<string, RoleName>>)) {
        const deployed = DEPLOYED.filter((d) => d.contractName === contractName);
        assert.ok(deployed.length > 0, `FUNCTION_ROLES.${contractName}: the module deploys no ${contractName}`);
        for (const d of deployed) {
          assert.equal(d.kind, "managed", `FUNCTION_ROLES.${contractName}: ${d.key} is not AccessManaged, so a role cannot guard it`);
          for (const [fn, role] of Object.entries(table)) {
            const found = d.writes.filter((w) => w.name === fn);
            assert.ok(found.length > 0, `FUNCTION_ROLES.${contractName}.${fn}: no state-changing function of that name in ${contractName}`);
            assert.ok(role in ROLES, `FUNCTION_ROLES.${contractName}.${fn}: unknown role ${role}`);
          }
        }
      }
    });

    it("points every AccessManaged contract at the protocol's AccessManager, with no target closed", async function () {
      const managed = DEPLOYED.filter((d) => d.kind === "managed");
      assert.ok(managed.length >= Object.keys(FUNCTION_ROLES).length);
      for (const d of managed) {
        const address = ctx.addressOf[d.key]!;
        const authority = await sys.publicClient.readContract({ address, abi: abis.gpusdAbi, functionName: "authority" });
        assert.ok(sameAddress(authority, ctx.manager), `${d.key} answers to ${authority}, not to the AccessManager ${ctx.manager}`);
        assert.equal(await sys.authority.read.isTargetClosed([address]), false, `${d.key} is closed`);
      }
    });

    it("maps every restricted function to its FUNCTION_ROLES role on-chain and every other function to ADMIN_ROLE", async function () {
      const mismatches: string[] = [];
      for (const d of DEPLOYED.filter((x) => x.kind !== "plain")) {
        const address = ctx.addressOf[d.key]!;
        for (const fn of functionsOf(d.abi)) {
          const listed = d.kind === "managed" ? roleOf(d.contractName, fn.name) : undefined;
          const expected = listed ? ROLES[listed] : ROLES.ADMIN;
          const actual = await sys.authority.read.getTargetFunctionRole([address, toFunctionSelector(fn)]);
          if (actual !== expected) mismatches.push(`${d.key}.${signature(fn)}: on-chain role ${actual}, expected ${listed ?? "ADMIN (not listed)"} = ${expected}`);
        }
      }
      assert.deepEqual(mismatches, [], `the AccessManager disagrees with FUNCTION_ROLES:\n  ${mismatches.join("\n  ")}`);
    });

    it("gives each role to exactly its intended holder, with DESIGN §3's execution delay", async function () {
      assert.deepEqual(Object.fromEntries(HUMAN_ROLES.map((r) => [r, ROLE_DELAYS[r]])), DESIGN_DELAYS, "ROLE_DELAYS differs from DESIGN §3");
      const known = new Set<bigint>(Object.values(ROLES));
      for (const roleId of ctx.members.keys()) assert.ok(known.has(roleId), `role ${roleId} is granted on-chain but is not in ROLES`);
      const contracts = Object.values(ctx.addressOf);
      for (const role of Object.keys(ROLES) as RoleName[]) {
        const members = ctx.members.get(ROLES[role]) ?? new Map<Address, number>();
        const intended = ctx.callers.filter((c) => c.role === role);
        if (intended.length > 0) {
          assert.deepEqual([...members.keys()].sort(), intended.map((c) => c.address.toLowerCase()).sort(), `${role}: members differ from the intended holder`);
        } else {
          assert.ok(members.size > 0, `${role}: nobody holds it`);
          for (const member of members.keys()) assert.ok(contracts.some((a) => sameAddress(a, member)), `${role}: ${member} holds it but is not a deployed contract`);
        }
        for (const [member, delay] of members) {
          assert.equal(delay, ROLE_DELAYS[role], `${role}: ${member} was granted it with a ${delay} s delay`);
          assert.deepEqual(await sys.authority.read.hasRole([ROLES[role], member]), [true, ROLE_DELAYS[role]], `${role}: hasRole(${member}) disagrees with the events`);
        }
        for (const c of ctx.callers.filter((x) => x.role !== role)) {
          assert.deepEqual(await sys.authority.read.hasRole([ROLES[role], c.address]), [false, 0], `${c.label} holds ${role}`);
        }
        assert.equal(await sys.authority.read.getRoleAdmin([ROLES[role]]), ROLES.ADMIN, `${role}: its admin role is not ADMIN_ROLE`);
      }
    });

    it("gives each restricted function to a role DESIGN §3 allows to call it", function () {
      const outOfScope: string[] = [];
      for (const [contract, table] of Object.entries(FUNCTION_ROLES as Record<string, Record<string, RoleName>>)) {
        for (const [fn, role] of Object.entries(table)) {
          if (!DESIGN_SCOPE[role].allows(contract, fn)) outOfScope.push(`${contract}.${fn} → ${role}, whose remit is: ${DESIGN_SCOPE[role].says}`);
        }
      }
      assert.deepEqual(outOfScope, [], `FUNCTION_ROLES gives functions to the wrong role:\n  ${outOfScope.join("\n  ")}`);
    });

    it("lets exactly the contracts the module registers mint GPUSD: the engine and the PSM among them, no person", async function () {
      const registered = allFutures(GpuCreditLocal)
        .filter((f) => f.type === FutureType.CONTRACT_CALL)
        .map((f) => f as Future & { functionName: string; contract: ContractFuture; args: readonly unknown[] })
        .filter((f) => f.functionName === "setMinter" && MINTER_GATED[f.contract.contractName] && f.args[1] === true)
        .map((f) => {
          const minter = f.args[0] as Future;
          const d = DEPLOYED.find((x) => x.futureId === minter.id);
          assert.ok(d, `the module registers ${minter.id ?? String(minter)} as a minter, which the fixture does not return`);
          return ctx.addressOf[d.key]!.toLowerCase();
        });
      assert.deepEqual([...ctx.minters].sort(), [...new Set(registered)].sort(), "GPUSD's minters (from MinterSet events) differ from those the module registers");
      for (const key of ["engine", "psm"]) assert.ok(ctx.minters.includes(ctx.addressOf[key]!.toLowerCase() as Address), `${key} is not a GPUSD minter`);
      for (const minter of ctx.minters) assert.equal(await sys.gpusd.read.isMinter([minter]), true);
      for (const c of ctx.callers) assert.equal(await sys.gpusd.read.isMinter([c.address]), false, `${c.label} is a GPUSD minter`);
    });

    it("makes the auction, and only the auction, the liquidator of the engine, the Reserve and the savings vault", async function () {
      const auction = ctx.addressOf.auction!.toLowerCase();
      const gated = DEPLOYED.filter((d) => LIQUIDATOR_ONLY[d.contractName]);
      assert.deepEqual(gated.map((d) => d.contractName).sort(), Object.keys(LIQUIDATOR_GATED).sort(), "a LIQUIDATOR_GATED contract is not deployed");
      for (const d of gated) {
        assert.deepEqual(ctx.liquidators[d.key], [auction], `${d.key}'s liquidators (from LiquidatorSet events) are not exactly the auction`);
        const address = ctx.addressOf[d.key]!;
        const isLiquidator = (account: Address) => sys.publicClient.readContract({ address, abi: abis.iLiquidatorGatedAbi, functionName: "isLiquidator", args: [account] });
        assert.equal(await isLiquidator(auction as Address), true);
        for (const c of ctx.callers) assert.equal(await isLiquidator(c.address), false, `${c.label} is a liquidator of ${d.key}`);
      }
    });

    it("refuses a stranger the AccessManager's admin operations: grantRole, making a function public, schedule and execute", async function () {
      const stranger = ctx.callers.find((c) => c.label === "stranger")!.address;
      const grant = managerCall("grantRole", [ROLES.ADMIN, stranger, 0]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.authority.write.grantRole([ROLES.ADMIN, stranger, 0], { account: stranger }), sys.authority, "AccessManagerUnauthorizedAccount", [stranger, ROLES.ADMIN]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        sys.authority.write.setTargetFunctionRole([sys.engine.address, [toFunctionSelector("pause()")], PUBLIC_ROLE], { account: stranger }),
        sys.authority,
        "AccessManagerUnauthorizedAccount",
        [stranger, ROLES.ADMIN],
      );
      await sys.viem.assertions.revertWithCustomError(sys.authority.write.schedule([sys.authority.address, grant, 0], { account: stranger }), sys.authority, "AccessManagerUnauthorizedCall");
      await sys.viem.assertions.revertWithCustomError(sys.authority.write.execute([sys.authority.address, grant], { account: stranger }), sys.authority, "AccessManagerUnauthorizedCall");
      assert.deepEqual(await sys.authority.read.hasRole([ROLES.ADMIN, stranger]), [false, 0]);
    });
  });

  describe("who may call each state-changing function", function () {
    for (const d of DEPLOYED) {
      describe(`${d.key} (${d.contractName}, ${d.kind === "plain" ? "not AccessManaged" : d.kind === "manager" ? "the AccessManager" : "AccessManaged"})`, function () {
        if (d.writes.length === 0) {
          it("has no state-changing function, so no caller can change it", function () {
            assert.deepEqual(functionsOf(d.abi).filter(isWrite), []);
          });
        }
        for (const fn of d.writes) {
          const rule = ruleFor(d, fn);
          it(title(fn, rule), async function () {
            const problems = await checkRow(sys, ctx, d, fn, rule);
            assert.deepEqual(problems, [], `${d.key}.${signature(fn)}:\n  ${problems.join("\n  ")}`);
          });
        }
      });
    }
  });
});
