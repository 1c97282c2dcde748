#!/usr/bin/env bash
# On a GPU host: the bundled probe against PyTorch's torch.matmul on the same GPU. Writes probe-report.json and
# bench.json ({ probeTflops, torchTflops, probeSeconds, ratio, … }) into $OUT (default: the current directory).
# Needs the bundle built with --demo-ticket (and --with-node where the host has no Node).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$PWD}"
mkdir -p "$out"
# A throwaway host key: the report is a benchmark, not registered with any fleet.
HOST_KEY="0x$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export HOST_KEY
# cuBLASLt often lives only inside PyTorch's wheel; point the probe there when the loader cannot find it.
if [[ -z "${GPU_PROBE_CUBLASLT:-}" ]] && ! ldconfig -p 2>/dev/null | grep -q 'libcublasLt\.so'; then
  lib="$(python3 -c 'import glob, os, nvidia.cublas as c; print(sorted(glob.glob(os.path.join(list(c.__path__)[0], "lib", "libcublasLt.so*")))[-1])' 2>/dev/null || true)"
  [[ -n "$lib" ]] && export GPU_PROBE_CUBLASLT="$lib"
fi
started=$(date +%s.%N)
"$here/run.sh" --ticket "$here/ticket.json" --fleet 1 --key-env HOST_KEY --chain-id 31337 \
  --oracle 0x0000000000000000000000000000000000000001 --out "$out/probe-report.json" "$@"
finished=$(date +%s.%N)
python3 "$here/torch_matmul.py" > "$out/torch.json"
python3 - "$out" "$started" "$finished" <<'PY'
import json, sys
out, started, finished = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
report = json.load(open(f"{out}/probe-report.json"))
torch = json.load(open(f"{out}/torch.json"))
details = report["details"]
bench = {
    "device": details["identity"]["name"],
    "driver": details["identity"]["driverVersion"],
    "probeTflops": details["gemm"]["tflops"],
    "torchTflops": torch["torchTflops"],
    "ratio": details["gemm"]["tflops"] / torch["torchTflops"],
    "probeSeconds": finished - started,
    "probeInternalSeconds": details["probeSeconds"],
    "bandwidthGBps": details["copy"]["gbps"],
    "bandwidthConvention": "2 x bytes per device-to-device copy (read + write)",
    "healthFlags": report["report"]["healthFlags"],
    "torch": torch,
}
json.dump(bench, open(f"{out}/bench.json", "w"), indent=2)
print(json.dumps(bench, indent=2))
PY
