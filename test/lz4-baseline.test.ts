/** The savepoint bench's lz4 baseline: the parser of `lz4 -b1` output (lz4 1.9.4's real output and the older one-line form) and how runs combine. */
import t from "tap";
import { join } from "node:path";
import { combineLz4Runs, Lz4Baseline, parseLz4Bench } from "./bench/lz4-baseline.js";

t.test("lz4 1.9.4: \\r-separated progress, the last complete line wins", async (t) => {
  const out = "\r |-logical.bin      :  67543861 ->\r /-logical.bin      :  67543861 ->  45808740 (1.474),512.3 MB/s\r" +
    " =-logical.bin      :  67543861 ->  45808740 (1.474),512.3 MB/s ,2742.4 MB/s\r" +
    " |-logical.bin      :  67543861 ->  45808740 (1.474),530.0 MB/s ,2800.5 MB/s\r 1#\n";
  t.strictSame(parseLz4Bench(out), { bytes: 67543861, compressedBytes: 45808740, ratio: 1.474, compressMBs: 530, decompressMBs: 2800.5 });
});

t.test("one-line form and garbage", async (t) => {
  t.strictSame(parseLz4Bench(" 1#logical.bin : 1000 -> 500 (2.000), 400.5 MB/s, 2000.0 MB/s\n"),
    { bytes: 1000, compressedBytes: 500, ratio: 2, compressMBs: 400.5, decompressMBs: 2000 });
  t.equal(parseLz4Bench("*** LZ4 command line interface ***\nIncorrect parameters\n"), undefined);
  t.equal(parseLz4Bench(" |-f : 1000 -> 500 (2.000),400.5 MB/s\r 1#\n"), undefined, "no decompression figure yet");
});

t.test("runs combined: the best speed of each direction, and the slowest", async (t) => {
  const run = (c: number, d: number) => ({ bytes: 1000, compressedBytes: 500, ratio: 2, compressMBs: c, decompressMBs: d });
  t.strictSame(combineLz4Runs([run(400, 2500), run(450, 2400), run(300, 2700)]), {
    bytes: 1000, compressedBytes: 500, ratio: 2, compressMBs: 450, decompressMBs: 2700, runs: 3, slowestCompressMBs: 300, slowestDecompressMBs: 2400,
  });
  t.equal(combineLz4Runs([]), undefined, "no run: no baseline");
});

t.test("a sample runs lz4 -b1 on the file; a failed run stops the sampling", async (t) => {
  const dir = t.testdir({ "data.bin": Buffer.from("ksnap savepoint ".repeat(65536)) });
  const baseline = new Lz4Baseline(join(dir, "data.bin"), 1);
  baseline.sample();
  t.equal(baseline.unavailable, undefined, "lz4 ran (.ci/run installs Debian's lz4)");
  const summary = baseline.summary();
  t.equal(summary?.bytes, 16 * 65536, "lz4 read the whole file");
  t.ok(summary !== undefined && summary.compressMBs > 0 && summary.decompressMBs > 0 && summary.runs === 1);

  const missing = new Lz4Baseline(join(dir, "missing.bin"), 1);
  missing.sample();
  missing.sample();
  t.match(missing.unavailable, /exit/, "the failure is kept");
  t.equal(missing.runs.length, 0);
  t.equal(missing.summary(), undefined);
});
