import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { checkSamples, type Challenge } from "../src/challenge.js";
import { HealthFlag } from "../src/health.js";
import { openCublasLt } from "../src/probe/cublaslt.js";
import { openCuda } from "../src/probe/cuda.js";
import { measureLive } from "../src/probe/live.js";
import { openNvml, reasonNames, type Nvml } from "../src/probe/nvml.js";
import { silentProgress } from "../src/probe/progress.js";
import { buildFakeLibs, type FakeLibs } from "./fixtures/fake-libs.js";

const challenge: Challenge = { nonce: `0x${"ab".repeat(32)}`, m: 48, n: 40, k: 256 };
const quick = { windowSeconds: 0.2, gemmSeconds: 0.02, copyBytes: 1 << 20, copySeconds: 0.02 };

/** Runs `fn` with extra variables in the real process environment, which the fake C libraries read via getenv. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const name of Object.keys(vars)) delete process.env[name];
  }
}

describe("probe FFI against fake NVIDIA libraries built from C", function () {
  this.timeout(120_000);
  let libs: FakeLibs;
  let nvml: Nvml;

  before(async () => {
    libs = buildFakeLibs();
    nvml = await openNvml({ libraryPath: libs.nvml });
  });

  it("reads the healthy GPU's identity, health, PCIe link and GPM SM activity exactly", () => {
    assert.equal(nvml.deviceCount(), 2);
    const gpu = nvml.device(0);
    assert.deepEqual(gpu.identity(), {
      uuid: "GPU-11111111-2222-3333-4444-555555555555",
      name: "NVIDIA H100 80GB HBM3",
      memoryBytes: 85520809984,
      driverVersion: "570.133.20",
      vbiosVersion: "96.00.99.00.01",
      pciBusId: "00000000:18:00.0",
    });
    assert.equal(gpu.eccUncorrected(), 0);
    assert.deepEqual(gpu.memoryRetirement(), {
      retiredPages: null,
      retiredPagesPending: false,
      remappedRows: { correctable: 4, uncorrectable: 0, pending: false, failed: false },
    });
    assert.deepEqual(reasonNames(gpu.clockEventReasons()), ["GpuIdle"]);
    assert.deepEqual(gpu.pcie(), { width: 16, maxWidth: 16, generation: 5, maxGeneration: 5 });
    assert.equal(gpu.utilizationRate(), 64);
    assert.equal(gpu.powerMilliwatts(), 512345);
    assert.equal(gpu.powerLimitMilliwatts(), 700000);
    const gpm = gpu.gpm();
    assert.ok(gpm, "GPU 0 supports GPM");
    const [first, second] = [gpm.sample(), gpm.sample()];
    assert.deepEqual(gpm.metrics(first, second), { smUtil: 72.5, smOccupancy: 41.25 });
    gpm.free(first);
    gpm.free(second);
  });

  it("reads the faulty GPU's ECC errors, retired pages, thermal slowdown and degraded link, and finds no GPM", () => {
    const gpu = nvml.device(1);
    assert.equal(gpu.identity().pciBusId, "00000000:3B:00.0");
    assert.equal(gpu.eccUncorrected(), 3);
    assert.deepEqual(gpu.memoryRetirement(), { retiredPages: 3, retiredPagesPending: true, remappedRows: null });
    assert.deepEqual(reasonNames(gpu.clockEventReasons()), ["HwSlowdown", "HwThermalSlowdown"]);
    assert.deepEqual(gpu.pcie(), { width: 8, maxWidth: 16, generation: 3, maxGeneration: 4 });
    assert.equal(gpu.gpm(), null);
  });

  it("refuses a GPU index NVML does not have, naming the valid range", () => {
    assert.throws(() => nvml.device(2), /--gpu 2 does not exist: NVML sees 2 GPUs \(indices 0 to 1\)/);
  });

  it("says exactly what is missing when there is no NVIDIA driver", async () => {
    await assert.rejects(
      openNvml({ libraryPath: `${libs.dir}/nonexistent/libnvidia-ml.so.1` }),
      (error: Error) =>
        /libnvidia-ml\.so\.1 \(from \$GPU_PROBE_NVML\) not found: no NVIDIA driver on this host \(NVML is required to read GPU identity and health\); install the NVIDIA driver or run with --replay FILE/.test(
          error.message,
        ),
    );
  });

  it("names the NVML call, its code and string, and the fix when NVML fails", async () => {
    await withEnv({ FAKE_NVML_INIT_ERROR: "9" }, () =>
      assert.rejects(openNvml({ libraryPath: libs.nvml }), /nvmlInit_v2\(\) failed: NVML_ERROR_DRIVER_NOT_LOADED \(9, "Driver Not Loaded"\); the nvidia kernel module is not loaded/),
    );
  });

  it("names the CUDA call, error name and string, and the fix when CUDA fails", async () => {
    await withEnv({ FAKE_CUDA_INIT_ERROR: "100" }, () =>
      assert.rejects(openCuda(libs.env), /cuInit\(0\) failed: CUDA_ERROR_NO_DEVICE \(100, "no CUDA-capable device is detected"\); CUDA sees no GPU/),
    );
  });

  it("refuses to measure when CUDA's device on the bus is not the GPU NVML identified", async () => {
    const cuda = await openCuda(libs.env);
    await withEnv({ FAKE_CUDA_UUID_MISMATCH: "1" }, async () =>
      assert.throws(() => cuda.open("00000000:18:00.0", "GPU-11111111-2222-3333-4444-555555555555"), /has UUID GPU-11111111-2222-3333-4444-555555555554, but NVML reports/),
    );
  });

  it("says which library is missing when cuBLASLt is absent", async () => {
    await assert.rejects(openCublasLt({ ...libs.env, GPU_PROBE_CUBLASLT: `${libs.dir}/none/libcublasLt.so.13` }), /not found: cuBLASLt .* is not installed .*cuBLASLt runs the bf16 GEMM challenge/);
  });

  it("runs the GEMM through cuBLASLt with operands swapped so row-major samples recompute, and times the copy", async () => {
    const result = await measureLive(challenge, { gpu: 0, ...quick, env: libs.env }, silentProgress);
    assert.deepEqual(checkSamples(challenge, result.samples), { ok: true });
    assert.equal(result.replay, false);
    const { gemm, copy, utilization, powerWatts } = result.details;
    assert.deepEqual({ m: gemm.m, n: gemm.n, k: gemm.k }, { m: 48, n: 40, k: 256 });
    assert.ok(gemm.iterations >= 10 && gemm.seconds > 0 && gemm.tflops > 0);
    assert.ok(Math.abs(gemm.tflops - (2 * 48 * 40 * 256 * gemm.iterations) / gemm.seconds / 1e12) < 1e-12);
    assert.equal(copy.bytes, 1 << 20);
    assert.ok(Math.abs(copy.gbps - (2 * copy.bytes * copy.iterations) / copy.seconds / 1e9) < 1e-9);
    assert.deepEqual(utilization, { source: "sm-activity", windowSeconds: 0.2, samples: 2, meanBps: 7250 });
    assert.deepEqual(powerWatts, { mean: 512.345, limit: 700 });
    assert.equal(result.healthFlags, 0);
  });

  it("maps the faulty GPU's readings to its health flags in a live run", async () => {
    const result = await measureLive(challenge, { gpu: 1, ...quick, env: libs.env }, silentProgress);
    assert.deepEqual(checkSamples(challenge, result.samples), { ok: true });
    assert.equal(
      result.healthFlags,
      HealthFlag.EccUncorrected |
        HealthFlag.MemoryRetirementPending |
        HealthFlag.ThermalThrottle |
        HealthFlag.PcieDegraded |
        HealthFlag.SmActivityUnavailable |
        HealthFlag.PowerUtilizationMismatch,
    );
    assert.equal(result.details.utilization.source, "utilization-rate");
    assert.equal(result.details.utilization.meanBps, 9000);
  });
});
