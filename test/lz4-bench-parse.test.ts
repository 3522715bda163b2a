/** The savepoint bench's parser of `lz4 -b1` output, on lz4 1.9.4's real output and on the older one-line form. */
import t from "tap";
import { parseLz4Bench } from "./bench/savepoint-bench.js";

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
