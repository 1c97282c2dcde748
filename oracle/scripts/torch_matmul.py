"""PyTorch's 8192^3 bf16 torch.matmul TFLOP/s, timed with CUDA events like the probe: the reference the probe's
GEMM must reach 0.95x of. Prints one JSON object."""
import json
import sys

import torch

size = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
a = torch.randn(size, size, device="cuda", dtype=torch.bfloat16)
b = torch.randn(size, size, device="cuda", dtype=torch.bfloat16)
for _ in range(5):
    torch.matmul(a, b)
torch.cuda.synchronize()
start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
start.record()
for _ in range(5):
    torch.matmul(a, b)
end.record()
end.synchronize()
iterations = max(10, int(seconds * 1000 / (start.elapsed_time(end) / 5)))
start.record()
for _ in range(iterations):
    torch.matmul(a, b)
end.record()
end.synchronize()
elapsed = start.elapsed_time(end) / 1000
print(json.dumps({
    "torchTflops": 2 * size**3 * iterations / elapsed / 1e12,
    "iterations": iterations,
    "seconds": elapsed,
    "torch": torch.__version__,
    "cuda": torch.version.cuda,
    "device": torch.cuda.get_device_name(),
}))
