/**
 * The codec bench's Python baseline, found at bench time: an interpreter with Debian's python3-protobuf (the C++
 * `cpp` or `upb` implementation; the pure-Python one is not the anchor the goal names) and protoc, which generates
 * the Python code from schemas/ into the bench's temporary folder (no generated code is committed).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { packageFile, packageRoot } from "../../src/storage/package-files.js";

/** How to start the Python child (the body file is appended), or why there is none. */
export type PythonBaseline = { command: string; args: string[]; description: string } | { skip: string };

/** Interpreters tried in order: the environment's choice, Debian's (where apt installs python3-protobuf), PATH's. */
function candidates(): string[] {
  const env = process.env.KSNAP_BENCH_PYTHON;
  return [...(env ? [env] : []), "/usr/bin/python3", "python3"];
}

const PROBE = "from google.protobuf.internal import api_implementation as a; import google.protobuf as p; print(a.Type(), p.__version__)";

/** Finds the interpreter and generates the code into `dir`/python; never throws. */
export function preparePythonBaseline(dir: string): PythonBaseline {
  let found: { command: string; implementation: string; version: string } | undefined;
  for (const command of candidates()) {
    const r = spawnSync(command, ["-c", PROBE], { encoding: "utf8" });
    if (r.status !== 0) continue;
    const [implementation = "", version = ""] = r.stdout.trim().split(/\s+/);
    found = { command, implementation, version };
    break;
  }
  if (found === undefined) return { skip: "no python3 with the protobuf module (Debian: apt-get install python3-protobuf)" };
  if (found.implementation !== "cpp" && found.implementation !== "upb") {
    return { skip: `${found.command} has protobuf ${found.version} with the ${found.implementation} implementation, not the C++ one (cpp or upb)` };
  }
  const out = join(dir, "python");
  mkdirSync(out);
  const schemas = join(packageRoot(), "schemas");
  const protoc = spawnSync("protoc", ["-I", schemas, `--python_out=${out}`, join(schemas, "ksnap", "v1", "snapshot.proto")], { encoding: "utf8" });
  if (protoc.error !== undefined || protoc.status !== 0) {
    return { skip: `protoc could not generate the Python code: ${protoc.error?.message ?? protoc.stderr.trim()}` };
  }
  return {
    command: found.command, args: [packageFile("test/bench/python-codec-child.py"), out],
    description: `${found.command}, protobuf ${found.version}`,
  };
}
