import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { HealthFlag, isCritical } from "../src/health.js";
import type { ProbeDetails } from "../src/report.js";
import { healthFlags, RETIRED_PAGE_LIMIT } from "../src/probe/flags.js";

const healthy: ProbeDetails = {
  identity: { uuid: "GPU-0", name: "NVIDIA H100 80GB HBM3", memoryBytes: 1, driverVersion: "1", vbiosVersion: "1", pciBusId: "00000000:18:00.0" },
  eccUncorrected: 0,
  retiredPages: null,
  remappedRows: { correctable: 12, uncorrectable: 0, pending: false, failed: false },
  throttleReasons: ["GpuIdle"],
  pcie: { width: 16, maxWidth: 16, generation: 5, maxGeneration: 5 },
  utilization: { source: "sm-activity", windowSeconds: 5, samples: 50, meanBps: 8000 },
  powerWatts: { mean: 500, limit: 700 },
  gemm: { m: 8192, n: 8192, k: 8192, iterations: 100, seconds: 1, tflops: 790 },
  copy: { bytes: 2 ** 30, iterations: 100, seconds: 0.1, gbps: 2900 },
  probeSeconds: 10,
};
const with_ = (patch: Partial<ProbeDetails>): ProbeDetails => ({ ...healthy, ...patch });

describe("probe health flags", () => {
  it("sets nothing for a healthy GPU, corrected-error remaps and idle clocks included", () => {
    assert.equal(healthFlags(healthy), 0);
  });

  it("treats one uncorrected ECC error as critical", () => {
    const flags = healthFlags(with_({ eccUncorrected: 1 }));
    assert.equal(flags, HealthFlag.EccUncorrected);
    assert.ok(isCritical(flags));
  });

  it("separates failed row remapping (critical) from pending remaps (reset soon)", () => {
    const failed = healthFlags(with_({ remappedRows: { correctable: 0, uncorrectable: 9, pending: false, failed: true } }));
    assert.equal(failed, HealthFlag.MemoryRetirementFailed);
    assert.ok(isCritical(failed));
    const pending = healthFlags(with_({ remappedRows: { correctable: 0, uncorrectable: 1, pending: true, failed: false } }));
    assert.equal(pending, HealthFlag.MemoryRetirementPending);
    assert.ok(!isCritical(pending));
  });

  it("flags page retirement at its limit, and pending retirement on pre-Ampere GPUs", () => {
    const legacy = with_({ remappedRows: null });
    assert.equal(healthFlags({ ...legacy, retiredPages: RETIRED_PAGE_LIMIT - 1 }), 0);
    assert.equal(healthFlags({ ...legacy, retiredPages: RETIRED_PAGE_LIMIT }), HealthFlag.MemoryRetirementFailed);
    assert.equal(healthFlags({ ...legacy, retiredPages: 2 }, { retiredPagesPending: true }), HealthFlag.MemoryRetirementPending);
  });

  it("maps thermal and power clock events, ignoring the umbrella HwSlowdown bit and idle", () => {
    assert.equal(healthFlags(with_({ throttleReasons: ["HwSlowdown", "GpuIdle"] })), 0);
    assert.equal(healthFlags(with_({ throttleReasons: ["SwThermalSlowdown"] })), HealthFlag.ThermalThrottle);
    assert.equal(healthFlags(with_({ throttleReasons: ["HwThermalSlowdown", "HwSlowdown"] })), HealthFlag.ThermalThrottle);
    assert.equal(healthFlags(with_({ throttleReasons: ["HwPowerBrakeSlowdown"] })), HealthFlag.PowerThrottle);
    assert.equal(healthFlags(with_({ throttleReasons: ["SwPowerCap"] })), HealthFlag.PowerThrottle);
  });

  it("flags a PCIe link below its maximum width or generation", () => {
    assert.equal(healthFlags(with_({ pcie: { width: 8, maxWidth: 16, generation: 5, maxGeneration: 5 } })), HealthFlag.PcieDegraded);
    assert.equal(healthFlags(with_({ pcie: { width: 16, maxWidth: 16, generation: 4, maxGeneration: 5 } })), HealthFlag.PcieDegraded);
  });

  it("marks utilization from the coarse rate as informational, not a fault", () => {
    const flags = healthFlags(with_({ utilization: { ...healthy.utilization, source: "utilization-rate" } }));
    assert.equal(flags, HealthFlag.SmActivityUnavailable);
    assert.ok(!isCritical(flags));
  });

  it("flags high reported utilization at near-idle power, and only then", () => {
    const busy = { ...healthy.utilization, meanBps: 9000 };
    assert.equal(healthFlags(with_({ utilization: busy, powerWatts: { mean: 100, limit: 700 } })), HealthFlag.PowerUtilizationMismatch);
    assert.equal(healthFlags(with_({ utilization: busy, powerWatts: { mean: 110, limit: 700 } })), 0);
    assert.equal(healthFlags(with_({ utilization: { ...busy, meanBps: 4999 }, powerWatts: { mean: 60, limit: 700 } })), 0);
  });
});
