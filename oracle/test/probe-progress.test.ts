import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { createProgress } from "../src/probe/progress.js";

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write: (text: string) => writes.push(text) };
}

describe("probe progress", () => {
  it("redraws one bar in place on a terminal and ends it with a summary line", () => {
    const tty = sink(true);
    const progress = createProgress(tty);
    progress.phase("bf16 GEMM", 200, "GEMMs");
    progress.update(100);
    progress.finish("790 TFLOP/s");
    assert.ok(tty.writes.slice(0, -2).every((w) => w.startsWith("\r\x1b[2K") && !w.includes("\n")));
    assert.match(tty.writes.find((w) => w.includes("50%"))!, /\[█+░+\] 50% 100\/200 GEMMs/);
    assert.equal(tty.writes.at(-1), "probe: bf16 GEMM: 790 TFLOP/s\n");
  });

  it("writes a line per phase and per quarter to a pipe, never a carriage return", () => {
    const pipe = sink(false);
    const progress = createProgress(pipe);
    progress.phase("copy", 100);
    for (let done = 0; done <= 100; done += 5) progress.update(done);
    progress.finish("2920 GB/s");
    assert.deepEqual(pipe.writes, ["probe: copy …\n", "probe: copy 25%\n", "probe: copy 50%\n", "probe: copy 75%\n", "probe: copy: 2920 GB/s\n"]);
  });
});
