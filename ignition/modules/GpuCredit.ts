/**
 * Deploys the whole protocol and applies the role map. `GpuCredit` takes an existing USDC address (any EVM network);
 * `GpuCreditLocal` deploys a faucet TestUSDC first (local node and testnets without USDC).
 *
 * The deployer bootstraps: it holds the risk-curator role with no delay just long enough to configure the launch
 * classes, renounces it, grants every role to its holder with the delays of DESIGN §3, and finally puts its own admin
 * role under the 2-day delay. Hand admin to a multisig afterwards with grantRole + renounceRole (both then delayed).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { NamedArtifactContractAtFuture, NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";
import { FUNCTION_ROLES, ROLES, ROLE_DELAYS, ROLE_GUARDIANS, selectorsByRole, type GovernedContract, type RoleName } from "../../scripts/lib/governance.js";
import { GPU_CLASSES, PROTOCOL } from "../../scripts/lib/protocolConfig.js";

type Builder = Parameters<Parameters<typeof buildModule>[1]>[0];

function buildProtocol(m: Builder, usdc: NamedArtifactContractAtFuture<"TestUSDC"> | NamedArtifactContractDeploymentFuture<"TestUSDC">) {
  const deployer = m.getAccount(0);
  const holders = {
    RISK_CURATOR: m.getParameter("riskCurator", deployer),
    UNDERWRITER: m.getParameter("underwriter", deployer),
    ORACLE_ADMIN: m.getParameter("oracleAdmin", deployer),
    GUARDIAN: m.getParameter("guardian", deployer),
  };
  const signers = m.getParameter<string[]>("oracleSigners");
  const quorum = m.getParameter<bigint>("oracleQuorum");

  const authority = m.contract("ProtocolAccessManager", [deployer]);
  const gpusd = m.contract("GPUSD", [authority]);
  const registry = m.contract("FleetRegistry", [authority]);
  const oracle = m.contract("FleetOracle", [authority, registry, signers, quorum, PROTOCOL.oracle]);
  const savings = m.contract("SavingsVault", [authority, gpusd, PROTOCOL.smearWindow]);
  const reserve = m.contract("Reserve", [authority, gpusd, savings, PROTOCOL.reserveFactor]);
  const engine = m.contract("CreditEngine", [authority, gpusd, registry, oracle, reserve]);
  const psm = m.contract("PegStabilityModule", [authority, gpusd, usdc, reserve, PROTOCOL.psm.tin, PROTOCOL.psm.tout]);
  const auction = m.contract("LiquidationAuction", [authority, engine, gpusd, oracle, reserve, savings, PROTOCOL.auction]);
  const lens = m.contract("VaultLens", [engine]);
  const feeds = GPU_CLASSES.map((c) =>
    m.contract("ClassValueFeed", [oracle, c.classId, `${c.name} value per GPU / USD`], { id: `ClassValueFeed_${c.classId}` }),
  );

  const targets = { GPUSD: gpusd, FleetRegistry: registry, FleetOracle: oracle, CreditEngine: engine, PegStabilityModule: psm, SavingsVault: savings, Reserve: reserve, LiquidationAuction: auction };
  const wiring = [];
  for (const name of Object.keys(FUNCTION_ROLES) as GovernedContract[]) {
    for (const { role, selectors } of selectorsByRole(name)) {
      wiring.push(m.call(authority, "setTargetFunctionRole", [targets[name], selectors, ROLES[role]], { id: `restrict_${name}_${role}` }));
    }
  }
  wiring.push(m.call(gpusd, "setMinter", [engine, true], { id: "minter_engine" }));
  wiring.push(m.call(gpusd, "setMinter", [psm, true], { id: "minter_psm" }));
  wiring.push(m.call(gpusd, "setMinter", [auction, true], { id: "minter_auction" }));
  wiring.push(m.call(authority, "grantRole", [ROLES.RESERVE, reserve, 0], { id: "grant_RESERVE_reserve" }));
  wiring.push(m.call(engine, "setLiquidator", [auction, true], { id: "liquidator_engine" }));
  wiring.push(m.call(reserve, "setLiquidator", [auction, true], { id: "liquidator_reserve" }));
  wiring.push(m.call(savings, "setLiquidator", [auction, true], { id: "liquidator_savings" }));

  // Bootstrap the launch configuration as a temporary risk curator.
  const bootstrap = m.call(authority, "grantRole", [ROLES.RISK_CURATOR, deployer, 0], { id: "bootstrap_grant", after: wiring });
  const config = [
    m.call(engine, "setGlobalDebtCeiling", [PROTOCOL.globalDebtCeiling], { after: [bootstrap] }),
    m.call(engine, "setDefaultOperatorCeiling", [PROTOCOL.defaultOperatorCeiling], { after: [bootstrap] }),
    ...GPU_CLASSES.flatMap((c) => [
      m.call(engine, "setClass", [c.classId, c.params], { id: `setClass_${c.classId}`, after: [bootstrap] }),
      m.call(oracle, "setClassBounds", [c.classId, c.minValuePerGpu, c.maxValuePerGpu], { id: `setClassBounds_${c.classId}`, after: [bootstrap] }),
    ]),
  ];
  const renounce = m.call(authority, "renounceRole", [ROLES.RISK_CURATOR, deployer], { id: "bootstrap_renounce", after: config });

  const grants = (Object.keys(holders) as (keyof typeof holders)[]).map((role) =>
    m.call(authority, "grantRole", [ROLES[role], holders[role], ROLE_DELAYS[role]], { id: `grant_${role}`, after: [renounce] }),
  );
  // Before the admin's own delay starts, or each would need the admin's 2-day schedule.
  const guardians = (Object.entries(ROLE_GUARDIANS) as [keyof typeof ROLE_GUARDIANS, RoleName][]).map(([role, guardian]) =>
    m.call(authority, "setRoleGuardian", [ROLES[role], ROLES[guardian]], { id: `guardian_${role}`, after: [renounce] }),
  );
  m.call(authority, "grantRole", [ROLES.ADMIN, deployer, ROLE_DELAYS.ADMIN], { id: "admin_delay", after: [...grants, ...guardians] });

  return { authority, gpusd, registry, oracle, savings, reserve, engine, psm, auction, lens, usdc, feedH100: feeds[0]!, feedH200: feeds[1]!, feedA100: feeds[2]! };
}

export const GpuCredit = buildModule("GpuCredit", (m) => buildProtocol(m, m.contractAt("TestUSDC", m.getParameter<string>("usdc"), { id: "USDC" })));

export const GpuCreditLocal = buildModule("GpuCreditLocal", (m) => buildProtocol(m, m.contract("TestUSDC")));

export default GpuCredit;
