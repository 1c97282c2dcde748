/**
 * EIP-712 signing for FleetOracle rounds and probe GpuReports.
 *
 * The struct types are read from the compiled ABI (the inputs of `FleetOracle.hashRound` and `hashGpuReport`), so the
 * Solidity structs stay their single definition: change a field there, rebuild, and every signer follows.
 */
import { concat, domainSeparator, hashStruct, hashTypedData, keccak256, type Address, type ContractFunctionArgs, type Hex, type LocalAccount } from "viem";
import { fleetOracleAbi } from "../../abi/index.js";

export type Round = ContractFunctionArgs<typeof fleetOracleAbi, "view", "hashRound">[0];
export type FleetValue = Round["fleets"][number];
export type ClassIndex = Round["indices"][number];
export type GpuReport = ContractFunctionArgs<typeof fleetOracleAbi, "view", "hashGpuReport">[0];

export type TypedFields = Record<string, { name: string; type: string }[]>;

export type OracleDomain = {
  name: "GPU Credit FleetOracle";
  version: "1";
  chainId: number;
  verifyingContract: Address;
};

export type SignedMessage = { signer: Address; signature: Hex };

/** Must equal the `EIP712(name, version)` arguments of FleetOracle's constructor (checked by its tests). */
export function oracleDomain(chainId: number, verifyingContract: Address): OracleDomain {
  return { name: "GPU Credit FleetOracle", version: "1", chainId, verifyingContract };
}

type AbiParam = { name: string; type: string; internalType?: string; components?: readonly AbiParam[] };

/** Registers the struct behind `param` (and the structs it nests) in `types`; returns its EIP-712 type name. */
function eip712Type(param: AbiParam, types: TypedFields): string {
  if (!param.type.startsWith("tuple")) return param.type;
  // internalType reads "struct IFleetOracle.FleetValue[]": the struct's name is what EIP-712 calls the type.
  const name = /^struct (?:\w+\.)?(\w+)/.exec(param.internalType ?? "")?.[1];
  if (!name) throw new Error(`ABI parameter ${param.name} has no struct internalType`);
  types[name] ??= (param.components ?? []).map((field) => ({ name: field.name, type: eip712Type(field, types) }));
  return name + param.type.slice("tuple".length); // keeps any array suffix
}

function typesFromAbi(functionName: "hashRound" | "hashGpuReport"): { types: TypedFields; primaryType: string } {
  const fn = fleetOracleAbi.find((item) => item.type === "function" && item.name === functionName);
  const input = fn && "inputs" in fn ? (fn.inputs[0] as AbiParam | undefined) : undefined;
  if (!input) throw new Error(`FleetOracle ABI has no ${functionName}(struct); rebuild the ABI`);
  const types: TypedFields = {};
  return { types, primaryType: eip712Type(input, types) };
}

const round = typesFromAbi("hashRound");
const gpuReport = typesFromAbi("hashGpuReport");

/** `Round` with its nested `FleetValue` and `ClassIndex`, as viem's `types`. */
export const roundTypes: TypedFields = round.types;
/** `GpuReport`, as viem's `types`. */
export const gpuReportTypes: TypedFields = gpuReport.types;

/** The digest FleetOracle's `hashRound` returns for the same round. */
export function hashRound(domain: OracleDomain, message: Round): Hex {
  return hashTypedData({ domain, types: roundTypes, primaryType: round.primaryType, message });
}

/** Domain separators by chain and contract: a node hashes every report it verifies under the same one. */
const separators = new Map<string, Hex>();
function separatorOf(domain: OracleDomain): Hex {
  const key = `${domain.name}|${domain.version}|${domain.chainId}|${domain.verifyingContract.toLowerCase()}`;
  let separator = separators.get(key);
  if (separator === undefined) {
    separator = domainSeparator({ domain });
    if (separators.size >= 64) separators.clear(); // a node knows one domain; tests a handful
    separators.set(key, separator);
  }
  return separator;
}

/**
 * The digest FleetOracle's `hashGpuReport` returns for the same report. A node computes one per report it verifies,
 * so this is `hashTypedData` without its parts that do not depend on the report: the domain separator is cached and
 * the message is not re-validated against its types (the encoder still refuses values outside their widths). The
 * node tests check the two agree.
 */
export function hashGpuReport(domain: OracleDomain, message: GpuReport): Hex {
  return keccak256(concat(["0x1901", separatorOf(domain), hashStruct({ data: message, primaryType: gpuReport.primaryType, types: gpuReportTypes })]));
}

export async function signRound(account: LocalAccount, domain: OracleDomain, message: Round): Promise<SignedMessage> {
  const signature = await account.signTypedData({ domain, types: roundTypes, primaryType: round.primaryType, message });
  return { signer: account.address, signature };
}

export async function signGpuReport(account: LocalAccount, domain: OracleDomain, message: GpuReport): Promise<SignedMessage> {
  const signature = await account.signTypedData({ domain, types: gpuReportTypes, primaryType: gpuReport.primaryType, message });
  return { signer: account.address, signature };
}

/** The signatures in the order `submitRound` requires: by strictly increasing signer address. */
export function sortSignatures(signed: readonly SignedMessage[]): Hex[] {
  const sorted = [...signed].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : BigInt(a.signer) > BigInt(b.signer) ? 1 : 0));
  sorted.forEach((entry, i) => {
    if (i > 0 && BigInt(entry.signer) === BigInt(sorted[i - 1]!.signer)) throw new Error(`signer ${entry.signer} signed twice`);
  });
  return sorted.map((entry) => entry.signature);
}
