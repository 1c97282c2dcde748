/**
 * cuBLASLt through koffi: one bf16 GEMM with fp32 accumulation, D = A · B for row-major A (m×k), B (k×n), D (m×n).
 *
 * cuBLASLt is column-major. A row-major matrix read column-major is its transpose, so the plan asks for
 * Dᵀ (n×m) = Bᵀ (n×k) · Aᵀ (k×m): B goes in as the first operand, A as the second, no transpose flags, and D's
 * memory comes back row-major, D[row·n + col]. The output is bf16, as torch.matmul writes it; the challenge's
 * tolerance covers bf16 rounding.
 */
import type { LibraryHandle } from "koffi";
import type { DevicePtr } from "./cuda.js";
import { openLibrary, pointerOut, requiredFunc, type LibrarySpec } from "./ffi.js";

const toolkitDirs = (env: NodeJS.ProcessEnv) =>
  [env.CUDA_HOME, env.CUDA_PATH, "/usr/local/cuda"].filter((dir): dir is string => !!dir).flatMap((dir) => [`${dir}/lib64`, `${dir}/targets/x86_64-linux/lib`]);

export const cublasLtLibrary = (env: NodeJS.ProcessEnv = process.env): LibrarySpec => ({
  names: ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"],
  env: "GPU_PROBE_CUBLASLT",
  meaning: "cuBLASLt (part of the CUDA toolkit's math libraries) is not installed or not on the loader path",
  why: "cuBLASLt runs the bf16 GEMM challenge",
  fix: "install the CUDA math libraries (the cuda-libraries or libcublas package) or add their directory to LD_LIBRARY_PATH",
  dirs: toolkitDirs(env),
});

const STATUS_NAMES: Record<number, string> = {
  1: "CUBLAS_STATUS_NOT_INITIALIZED",
  3: "CUBLAS_STATUS_ALLOC_FAILED",
  7: "CUBLAS_STATUS_INVALID_VALUE",
  8: "CUBLAS_STATUS_ARCH_MISMATCH",
  11: "CUBLAS_STATUS_MAPPING_ERROR",
  13: "CUBLAS_STATUS_EXECUTION_FAILED",
  14: "CUBLAS_STATUS_INTERNAL_ERROR",
  15: "CUBLAS_STATUS_NOT_SUPPORTED",
};

const FIXES: Record<number, string> = {
  1: "the CUDA context is not current or the driver is too old for this cuBLASLt; update the driver",
  3: "free GPU memory or run a smaller --size",
  8: "this GPU lacks bf16 tensor cores (it needs compute capability 8.0 or later)",
  13: "the GPU failed to run the kernel; check the kernel log (dmesg) for Xid errors",
  15: "no cuBLASLt kernel supports this shape on this GPU; try a multiple of 64 for --size",
};

export class CublasError extends Error {
  override name = "CublasError";
  constructor(
    readonly call: string,
    readonly code: number,
    text: string,
  ) {
    super(`${call} failed: ${STATUS_NAMES[code] ?? "cuBLAS error"} (${code}, "${text}"); ${FIXES[code] ?? "check the CUDA installation"}`);
  }
}

// cublasComputeType_t, cudaDataType_t and attribute ids from cublasLt.h / library_types.h.
const CUBLAS_COMPUTE_32F = 68;
const CUDA_R_32F = 0;
const CUDA_R_16BF = 14;
const PREF_MAX_WORKSPACE_BYTES = 1;
// cublasLtMatmulHeuristicResult_t: algo (8 × u64), workspaceSize (size_t), state (i32), wavesCount (f32), reserved[4].
const HEURISTIC_SIZE = 96;
const ALGO_SIZE = 64;

type Fn = (...args: unknown[]) => unknown;

function bind(lib: LibraryHandle, path: string) {
  const req = (proto: string) => requiredFunc(lib, path, proto) as Fn;
  return {
    create: req("int cublasLtCreate(void *handle)"),
    destroy: req("int cublasLtDestroy(void *handle)"),
    statusString: req("const char *cublasLtGetStatusString(int status)"),
    version: req("size_t cublasLtGetVersion()"),
    descCreate: req("int cublasLtMatmulDescCreate(void *desc, int computeType, int scaleType)"),
    descDestroy: req("int cublasLtMatmulDescDestroy(void *desc)"),
    layoutCreate: req("int cublasLtMatrixLayoutCreate(void *layout, int type, uint64_t rows, uint64_t cols, int64_t ld)"),
    layoutDestroy: req("int cublasLtMatrixLayoutDestroy(void *layout)"),
    prefCreate: req("int cublasLtMatmulPreferenceCreate(void *pref)"),
    prefSetAttribute: req("int cublasLtMatmulPreferenceSetAttribute(void *pref, int attr, const void *buf, size_t size)"),
    prefDestroy: req("int cublasLtMatmulPreferenceDestroy(void *pref)"),
    heuristic: req(
      "int cublasLtMatmulAlgoGetHeuristic(void *handle, void *desc, void *a, void *b, void *c, void *d, void *pref, int requested, void *results, void *count)",
    ),
    matmul: req(
      "int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t a, void *aDesc, uint64_t b, void *bDesc, const void *beta, uint64_t c, void *cDesc, uint64_t d, void *dDesc, const void *algo, uint64_t workspace, size_t workspaceSize, void *stream)",
    ),
  };
}

export type GemmShape = { m: number; n: number; k: number };
export type GemmBuffers = { a: DevicePtr; b: DevicePtr; d: DevicePtr; workspace: DevicePtr; workspaceBytes: number };

/** A GEMM ready to launch with any of the algorithms cuBLASLt's heuristic offered. */
export type GemmPlan = {
  algorithms: number;
  /** Enqueues one GEMM on the default stream with algorithm `algorithm`; returns at once. */
  launch(algorithm: number): void;
  destroy(): void;
};

export type CublasLt = {
  path: string;
  version: number;
  plan(shape: GemmShape, buffers: GemmBuffers, maxAlgorithms?: number): GemmPlan;
  close(): void;
};

export async function openCublasLt(env: NodeJS.ProcessEnv = process.env): Promise<CublasLt> {
  const { lib, path } = await openLibrary(cublasLtLibrary(env), env);
  const f = bind(lib, path);
  const check = (call: string, code: unknown) => {
    if (code !== 0) throw new CublasError(call, code as number, String(f.statusString(code)));
  };
  const handleOut = pointerOut();
  check("cublasLtCreate", f.create(handleOut));
  const handle = handleOut.readBigUInt64LE();

  const created = (call: string, fn: Fn, ...args: unknown[]) => {
    const out = pointerOut();
    check(call, fn(out, ...args));
    return out.readBigUInt64LE();
  };

  return {
    path,
    version: Number(f.version()),
    plan({ m, n, k }, buffers, maxAlgorithms = 8) {
      const desc = created("cublasLtMatmulDescCreate(CUBLAS_COMPUTE_32F, CUDA_R_32F)", f.descCreate, CUBLAS_COMPUTE_32F, CUDA_R_32F);
      // Column-major views of the row-major matrices: Bᵀ is n×k (ld n), Aᵀ is k×m (ld k), Dᵀ is n×m (ld n).
      const first = created(`cublasLtMatrixLayoutCreate(Bᵀ ${n}×${k})`, f.layoutCreate, CUDA_R_16BF, n, k, n);
      const second = created(`cublasLtMatrixLayoutCreate(Aᵀ ${k}×${m})`, f.layoutCreate, CUDA_R_16BF, k, m, k);
      const out = created(`cublasLtMatrixLayoutCreate(Dᵀ ${n}×${m})`, f.layoutCreate, CUDA_R_16BF, n, m, n);
      const pref = created("cublasLtMatmulPreferenceCreate", f.prefCreate);
      const workspace = Buffer.alloc(8);
      workspace.writeBigUInt64LE(BigInt(buffers.workspaceBytes));
      check("cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)", f.prefSetAttribute(pref, PREF_MAX_WORKSPACE_BYTES, workspace, 8));

      const results = Buffer.alloc(HEURISTIC_SIZE * maxAlgorithms);
      const count = Buffer.alloc(4);
      check(`cublasLtMatmulAlgoGetHeuristic(${m}×${n}×${k} bf16)`, f.heuristic(handle, desc, first, second, out, out, pref, maxAlgorithms, results, count));
      // Heuristic entries whose state is not success cannot run this problem.
      const algorithms = Array.from({ length: count.readInt32LE() }, (_, i) => results.subarray(HEURISTIC_SIZE * i, HEURISTIC_SIZE * (i + 1)))
        .filter((entry) => entry.readInt32LE(ALGO_SIZE + 8) === 0 && entry.readBigUInt64LE(ALGO_SIZE) <= BigInt(buffers.workspaceBytes))
        .map((entry) => Buffer.from(entry.subarray(0, ALGO_SIZE)));
      if (algorithms.length === 0) {
        throw new CublasError(`cublasLtMatmulAlgoGetHeuristic(${m}×${n}×${k} bf16)`, 15, "no algorithm returned");
      }

      const alpha = Buffer.alloc(4);
      alpha.writeFloatLE(1);
      const beta = Buffer.alloc(4); // 0: D is overwritten, C is never read
      return {
        algorithms: algorithms.length,
        launch(algorithm) {
          const code = f.matmul(handle, desc, alpha, buffers.b, first, buffers.a, second, beta, buffers.d, out, buffers.d, out,
            algorithms[algorithm], buffers.workspace, buffers.workspaceBytes, 0n);
          if (code !== 0) check(`cublasLtMatmul(${m}×${n}×${k} bf16, algorithm ${algorithm})`, code);
        },
        destroy() {
          check("cublasLtMatmulPreferenceDestroy", f.prefDestroy(pref));
          for (const layout of [first, second, out]) check("cublasLtMatrixLayoutDestroy", f.layoutDestroy(layout));
          check("cublasLtMatmulDescDestroy", f.descDestroy(desc));
        },
      };
    },
    close: () => check("cublasLtDestroy", f.destroy(handle)),
  };
}
