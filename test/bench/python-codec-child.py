"""Python baseline of the codec bench (test/bench/codec-bench.ts, started by python-baseline.ts): Debian's python3-protobuf on a KSNAP body.

Run by the bench as its own process: `python3 python-codec-child.py <generated-code dir> <body file>`. It loads the
body, then answers each line on stdin ("decode" or "encode") with one timed round on stdout, in wall-clock and CPU
milliseconds:
decode parses the body and touches every field of every message (as the bench's other decoders build every value),
encode serializes the message last parsed. It prints the protobuf implementation first, and "ready" when loaded.
"""
import sys
import time

sys.path.insert(0, sys.argv[1])
from google.protobuf.internal import api_implementation  # noqa: E402
from ksnap.v1 import snapshot_pb2  # noqa: E402

print("implementation", api_implementation.Type(), flush=True)


def touch_file(f, shared):
    """Every scalar of a FileRef or SharedFileRef, as Python objects."""
    n = len(f.id) + len(f.path) + f.size + f.xxh64 + len(f.local_name)
    if shared:
        n += f.origin_checkpoint_id
    return n


def touch(snapshot):
    """Every field of the bench's checkpoint (incremental handles); returns a value so nothing is optimised away."""
    n = snapshot.snapshot_id + snapshot.kind + snapshot.max_parallelism + snapshot.timestamp_millis
    n += len(snapshot.snapshot_dir) + len(snapshot.job_id)
    p = snapshot.properties
    n += p.incremental + p.key_group_aware + p.sharing + p.ownership
    for op in snapshot.operators:
        n += len(op.operator_id) + len(op.name) + op.parallelism + op.max_parallelism + len(op.uid) + op.finished
        for st in op.subtasks:
            n += st.subtask_index + st.finished
            for h in st.handles:
                inc = h.incremental
                n += len(inc.backend_id) + len(inc.folder) + inc.checkpoint_id + inc.base_checkpoint_id
                n += inc.key_groups.start + inc.key_groups.count + inc.state_size + inc.checkpointed_size
                for f in inc.shared_files:
                    n += touch_file(f, True)
                for f in inc.private_files:
                    n += touch_file(f, False)
                n += touch_file(inc.meta_file, False)
    return n


with open(sys.argv[2], "rb") as fh:
    body = fh.read()
last = snapshot_pb2.Snapshot()
last.ParseFromString(body)
print("ready", flush=True)
for line in sys.stdin:
    what = line.strip()
    if what == "decode":
        # The message of the round before is freed here, outside the time, as the Node children collect theirs.
        last = None
        c0 = time.process_time()
        t0 = time.perf_counter()
        last = snapshot_pb2.Snapshot()
        last.ParseFromString(body)
        touch(last)
        ms = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - c0) * 1000
    elif what == "encode":
        out = None
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = last.SerializeToString()
        ms = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - c0) * 1000
        if len(out) != len(body):
            print("error encoded length differs", flush=True)
            continue
    else:
        break
    print(f"{ms:.3f} {cpu:.3f}", flush=True)
