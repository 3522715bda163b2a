/**
 * A compression worker of {@link CompressionPool}: waits for its slots in
 * order, makes each block's frame with the very `encodeFrame` of the in-thread
 * writer (same compressor, same raw-storage rule, same checksum, so the same
 * bytes) and hands it back through shared memory. It needs no messages, so the
 * main thread can wait for it synchronously with `Atomics.wait`.
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  F_BLOCK, F_FRAME_LENGTH, F_KEY_GROUP, F_LENGTH, F_STATE, SLOT_DONE, SLOT_FAILED, SLOT_STOP, SLOT_SUBMITTED, SlotLayout,
  type WorkerShared,
} from "./compress-layout.js";
import { copyBytes } from "./shared-copy.js";

const layout = new SlotLayout(workerData as WorkerShared);
const { control, bytes } = layout;

/** Waits until slot `slot` is submitted; false when the pool stops. */
function awaitSubmitted(slot: number): boolean {
  const at = layout.field(slot, F_STATE);
  for (;;) {
    const state = Atomics.load(control, at);
    if (state === SLOT_SUBMITTED) return true;
    if (state === SLOT_STOP) return false;
    Atomics.wait(control, at, state);
  }
}

/** Publishes `state` for slot `slot` and wakes the main thread if it waits on it. */
function publish(slot: number, state: number): void {
  const at = layout.field(slot, F_STATE);
  // Only if the pool has not stopped meanwhile: a stopped slot must stay stopped.
  Atomics.compareExchange(control, at, SLOT_SUBMITTED, state);
  Atomics.notify(control, at);
}

async function run(): Promise<void> {
  let encodeFrame: typeof import("./frame.js").encodeFrame;
  try {
    // Imported here, not statically, so that a failure to load reaches the main thread as a message, not as a hang.
    ({ encodeFrame } = await import("./frame.js"));
  } catch (e) {
    layout.setError(`cannot load the compressor: ${e instanceof Error ? e.message : String(e)}`);
    for (let slot = 0; slot < layout.shared.slots; slot++) publish(slot, SLOT_FAILED);
    return;
  }
  layout.setReady();
  parentPort?.postMessage("ready");
  // The content is copied out of shared memory first: the compressor and the hash copy their input byte by byte from it.
  const content = new Uint8Array(layout.shared.blockBytes);
  for (let slot = 0; awaitSubmitted(slot); slot = (slot + 1) % layout.shared.slots) {
    try {
      const length = control[layout.field(slot, F_LENGTH)]!;
      const start = layout.contentOffset(slot);
      copyBytes(content, 0, bytes, start, start + length);
      const frame = encodeFrame(control[layout.field(slot, F_KEY_GROUP)]!, control[layout.field(slot, F_BLOCK)]!,
        content.subarray(0, length), layout.shared.compressor);
      copyBytes(bytes, layout.frameOffset(slot), frame);
      control[layout.field(slot, F_FRAME_LENGTH)] = frame.length;
      publish(slot, SLOT_DONE);
    } catch (e) {
      layout.setError(e instanceof Error ? e.message : String(e));
      publish(slot, SLOT_FAILED);
      return;
    }
  }
}

await run();
