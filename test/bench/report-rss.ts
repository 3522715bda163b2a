/**
 * Preloaded into a process the hashing bench times (`node --import report-rss.js dist/src/cli/bin.js …`): at exit it
 * prints the process's peak RSS to stderr as `KSNAP_BENCH_MAX_RSS_KIB <n>`, so that a whole-process run reports its
 * memory without a wrapper such as GNU time.
 */
process.on("exit", () => {
  process.stderr.write(`KSNAP_BENCH_MAX_RSS_KIB ${process.resourceUsage().maxRSS}\n`);
});
