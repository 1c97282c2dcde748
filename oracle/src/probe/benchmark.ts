/**
 * The measured part of the probe: the nonce-seeded bf16 GEMM and the device-to-device copy, timed with CUDA events
 * on the default stream (GPU time only, so host-side FFI overhead between launches does not count against the GPU
 * unless it starves the queue).
 */
import { fillMatrix, gemmFlops, samplePositions, bf16ToNumber, type Challenge } from "../challenge.js";
import type { CublasLt, GemmPlan } from "./cublaslt.js";
import type { Cuda, CudaEvent, DevicePtr } from "./cuda.js";
import type { Progress } from "./progress.js";

export type GemmOptions = {
  /** Target length of the timed loop [s]; ignored when `iterations` is set. */
  seconds: number;
  iterations?: number;
  /** cuBLASLt workspace; 32 MiB is what cuBLAS recommends for Hopper. */
  workspaceBytes?: number;
  /** Called between launch batches while the GPU is busy, e.g. to read throttle reasons under load. */
  onTick?: () => void;
};

export type GemmResult = { iterations: number; seconds: number; tflops: number; samples: number[]; algorithm: number; algorithms: number };
export type CopyResult = { bytes: number; iterations: number; seconds: number; gbps: number };

const FILL_CHUNK = 1 << 22; // elements per host fill and upload: 8 MiB of bf16
const MIN_ITERATIONS = 10;
const TRIAL_LAUNCHES = 3;
const WARMUP_LAUNCHES = 20;
const BATCHES = 40;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Generates A or B on the host a chunk at a time and uploads each chunk, so host memory stays at one chunk. */
function upload(cuda: Cuda, challenge: Challenge, matrix: "A" | "B", dst: DevicePtr, elements: number, progress: Progress, offset: number): void {
  const chunk = new Uint16Array(Math.min(FILL_CHUNK, elements));
  for (let start = 0; start < elements; start += chunk.length) {
    const end = Math.min(elements, start + chunk.length);
    fillMatrix(challenge, matrix, chunk, start, end);
    cuda.copyToDevice(dst + BigInt(2 * start), chunk, 2 * (end - start));
    progress.update(offset + end);
  }
}

/** Times `launches` calls of `launch` between two events; returns GPU milliseconds. */
function timeLaunches(cuda: Cuda, launch: () => void, launches: number): number {
  const [start, end] = [cuda.event(), cuda.event()];
  cuda.record(start);
  for (let i = 0; i < launches; i++) launch();
  cuda.record(end);
  cuda.synchronize(end);
  const ms = cuda.elapsedMs(start, end);
  cuda.destroy(start);
  cuda.destroy(end);
  return ms;
}

/**
 * Runs `iterations` launches between two events, in batches with an event after each so progress reflects work the
 * GPU finished rather than work queued. Returns GPU seconds.
 */
function timedLoop(cuda: Cuda, launch: () => void, iterations: number, progress: Progress, onTick?: () => void): number {
  const batches = Math.min(BATCHES, iterations);
  const marks: CudaEvent[] = Array.from({ length: batches }, () => cuda.event());
  const start = cuda.event();
  let finished = 0;
  const poll = () => {
    while (finished < batches && cuda.done(marks[finished]!)) finished++;
    progress.update(Math.round((finished / batches) * iterations));
  };
  cuda.record(start);
  let launched = 0;
  for (let batch = 0; batch < batches; batch++) {
    const until = Math.round(((batch + 1) * iterations) / batches);
    for (; launched < until; launched++) launch();
    cuda.record(marks[batch]!);
    onTick?.();
    poll();
  }
  while (finished < batches) {
    sleepMs(10);
    onTick?.();
    poll();
  }
  const seconds = cuda.elapsedMs(start, marks[batches - 1]!) / 1000;
  for (const event of [start, ...marks]) cuda.destroy(event);
  return seconds;
}

/** Reads D at the nonce's sample positions: 2 bytes each, D row-major bf16. */
function readSamples(cuda: Cuda, challenge: Challenge, d: DevicePtr): number[] {
  const element = new Uint16Array(1);
  return samplePositions(challenge).map(({ row, col }) => {
    cuda.copyToHost(element, d + BigInt(2 * (row * challenge.n + col)), 2);
    return bf16ToNumber(element[0]!);
  });
}

export function runGemm(cuda: Cuda, lt: CublasLt, challenge: Challenge, options: GemmOptions, progress: Progress): GemmResult {
  const { m, n, k } = challenge;
  const workspaceBytes = options.workspaceBytes ?? 32 << 20;
  const allocated: DevicePtr[] = [];
  const alloc = (bytes: number) => {
    allocated.push(cuda.alloc(bytes));
    return allocated.at(-1)!;
  };
  let plan: GemmPlan | undefined;
  try {
    const [a, b, d, workspace] = [2 * m * k, 2 * k * n, 2 * m * n, workspaceBytes].map(alloc) as [DevicePtr, DevicePtr, DevicePtr, DevicePtr];
    progress.phase("generating and uploading the challenge inputs", m * k + k * n, "elements");
    upload(cuda, challenge, "A", a, m * k, progress, 0);
    upload(cuda, challenge, "B", b, k * n, progress, m * k);
    progress.finish(`${((2 * (m * k + k * n)) / 2 ** 20).toFixed(0)} MiB uploaded`);

    plan = lt.plan({ m, n, k }, { a, b, d, workspace, workspaceBytes });
    const gemm = plan;
    // Load the kernels and lift the clocks out of idle first, so the algorithm tried first is not timed cold.
    timeLaunches(cuda, () => gemm.launch(0), WARMUP_LAUNCHES);
    // The heuristic's first choice is usually but not always the fastest; a few trial launches each settle it.
    let best = { algorithm: 0, ms: Infinity };
    for (let algorithm = 0; algorithm < gemm.algorithms; algorithm++) {
      timeLaunches(cuda, () => gemm.launch(algorithm), 1); // warm-up: kernel load and clocks
      const ms = timeLaunches(cuda, () => gemm.launch(algorithm), TRIAL_LAUNCHES) / TRIAL_LAUNCHES;
      if (ms < best.ms) best = { algorithm, ms };
    }
    const iterations = options.iterations ?? Math.max(MIN_ITERATIONS, Math.ceil((options.seconds * 1000) / best.ms));

    progress.phase(`bf16 GEMM ${m}×${n}×${k}`, iterations, "GEMMs");
    const seconds = timedLoop(cuda, () => gemm.launch(best.algorithm), iterations, progress, options.onTick);
    const tflops = (gemmFlops(challenge) * iterations) / seconds / 1e12;
    progress.finish(`${tflops.toFixed(1)} TFLOP/s over ${iterations} GEMMs in ${seconds.toFixed(2)} s`);
    return { iterations, seconds, tflops, samples: readSamples(cuda, challenge, d), algorithm: best.algorithm, algorithms: gemm.algorithms };
  } finally {
    plan?.destroy();
    for (const ptr of allocated) cuda.free(ptr);
  }
}

export type CopyOptions = { bytes: number; seconds: number; iterations?: number };

/** Bandwidth counts every byte read and every byte written: 2 × size per copy, as nvbandwidth and STREAM do. */
export function runCopy(cuda: Cuda, options: CopyOptions, progress: Progress): CopyResult {
  const { bytes } = options;
  const src = cuda.alloc(bytes);
  let dst: DevicePtr | undefined;
  try {
    dst = cuda.alloc(bytes);
    const target = dst;
    const copy = () => cuda.copyOnDevice(target, src, bytes);
    timeLaunches(cuda, copy, 1);
    const ms = timeLaunches(cuda, copy, TRIAL_LAUNCHES) / TRIAL_LAUNCHES;
    const iterations = options.iterations ?? Math.max(MIN_ITERATIONS, Math.ceil((options.seconds * 1000) / ms));
    progress.phase(`device-to-device copy of ${(bytes / 2 ** 30).toFixed(2)} GiB`, iterations, "copies");
    const seconds = timedLoop(cuda, copy, iterations, progress);
    const gbps = (2 * bytes * iterations) / seconds / 1e9;
    progress.finish(`${gbps.toFixed(0)} GB/s (read + write) over ${iterations} copies in ${seconds.toFixed(2)} s`);
    return { bytes, iterations, seconds, gbps };
  } finally {
    cuda.free(src);
    if (dst !== undefined) cuda.free(dst);
  }
}
