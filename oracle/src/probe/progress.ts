/**
 * Progress on stderr, so stdout stays the report. A TTY gets one bar redrawn in place; a pipe or log file gets a
 * line per phase and per quarter, which reads well in journald or CI output.
 */
export type Progress = {
  /** Starts a phase of `total` units; `unit` labels the counts ("MiB", "GEMMs"). */
  phase(name: string, total: number, unit?: string): void;
  update(done: number): void;
  /** Ends the current phase with a summary. */
  finish(summary: string): void;
  log(message: string): void;
};

type Sink = { isTTY?: boolean; columns?: number; write(text: string): unknown };

export function createProgress(sink: Sink = process.stderr, prefix = "probe"): Progress {
  let name = "";
  let total = 1;
  let unit = "";
  let lastQuarter = -1;
  let drawn = false;

  const clear = () => {
    if (drawn) sink.write("\r\x1b[2K");
    drawn = false;
  };

  return {
    phase(next, size, label = "") {
      clear();
      name = next;
      total = Math.max(1, size);
      unit = label;
      lastQuarter = -1;
      if (!sink.isTTY) sink.write(`${prefix}: ${name} …\n`);
      this.update(0);
    },
    update(done) {
      const fraction = Math.min(1, Math.max(0, done / total));
      if (sink.isTTY) {
        const width = Math.max(10, Math.min(40, (sink.columns ?? 80) - name.length - 40));
        const filled = Math.round(fraction * width);
        const counts = unit ? ` ${Math.round(done)}/${total} ${unit}` : "";
        sink.write(`\r\x1b[2K${prefix}: ${name} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${Math.floor(fraction * 100)}%${counts}`);
        drawn = true;
        return;
      }
      const quarter = Math.floor(fraction * 4);
      if (quarter > lastQuarter && quarter > 0 && quarter < 4) sink.write(`${prefix}: ${name} ${quarter * 25}%\n`);
      lastQuarter = Math.max(lastQuarter, quarter);
    },
    finish(summary) {
      clear();
      sink.write(`${prefix}: ${name}: ${summary}\n`);
    },
    log(message) {
      clear();
      sink.write(`${prefix}: ${message}\n`);
    },
  };
}

/** For library callers and tests that want no output. */
export const silentProgress: Progress = { phase() {}, update() {}, finish() {}, log() {} };
