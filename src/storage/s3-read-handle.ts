/**
 * Positioned reads of one S3 object as streamed, ranged GETs ([spec](../../spec/ownership.md#object-storage-s3)):
 * a read at the position where the last one ended takes the next bytes of the open response, so hashing a whole
 * object is one GET (made at open for a sequential read, which then needs no HEAD: its ETag comes from that GET); a read elsewhere (a savepoint's key group) starts a GET of the range from there to the end.
 * Memory stays at the response stream's own buffer, whatever the object's size. Every later GET asks for the ETag seen at
 * open (`If-Match`): an object replaced meanwhile fails the read instead of mixing two contents. A response that
 * ends early or breaks (a connection reset in the body) is asked again from where it stopped, with backoff, before
 * it is reported as a truncated GET.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { s3Sdk } from "./s3-sdk.js";
import { KsnapError } from "../errors.js";
import { s3Error } from "./s3-errors.js";
import type { EntryInfo, ReadHandle } from "./storage.js";

/** Times a broken response body is asked again from where it stopped. */
const BODY_RETRIES = 3;
/** First wait before asking again; doubled each time. */
const BODY_BACKOFF_MS = 50;

/** The object to read: its location for messages, its bucket and key, and what HEAD said at open. */
export interface S3Object {
  location: string;
  bucket: string;
  key: string;
  info: EntryInfo;
  etag: string | undefined;
  /** The body of a GET of the whole object made at open (a sequential read): the first bytes are read from it. */
  body?: OpenedBody;
}

/** A response body as the SDK gives it on Node. */
export type OpenedBody = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** An open, streamed response: where its next byte is in the object, and what it has not handed out yet. */
interface OpenBody {
  position: number;
  chunks: AsyncIterator<Uint8Array>;
  pending: Uint8Array;
  destroy: () => void;
}

/** A {@link ReadHandle} on `object` through `client`. */
export function s3ReadHandle(client: S3Client, object: S3Object): ReadHandle {
  const size = Number(object.info.size);
  let body: OpenBody | undefined = object.body === undefined ? undefined : opened(0, object.body);
  const drop = (): void => {
    body?.destroy();
    body = undefined;
  };
  const start = async (position: number): Promise<OpenBody> => {
    try {
      const out = await client.send(new (s3Sdk().GetObjectCommand)({
        Bucket: object.bucket, Key: object.key, Range: `bytes=${position}-`, ...(object.etag === undefined ? {} : { IfMatch: object.etag }),
      }));
      const stream = out.Body as OpenedBody | undefined;
      if (stream === undefined) throw new KsnapError("IO_ERROR", "cannot read: the GET returned no body", { file: object.location });
      return opened(position, stream);
    } catch (e) {
      throw s3Error(e, "cannot read", object.location);
    }
  };
  return {
    size: object.info.size,
    info: object.info,
    async read(into, offset, length, position) {
      if (length === 0 || position >= size) return 0;
      // Filled from as many response chunks as it takes (they are 16–64 KiB): a hasher's 1 MiB buffer is one call.
      let done = 0;
      for (let attempt = 0; ; attempt++) {
        try {
          if (body === undefined || body.position !== position + done) {
            drop();
            body = await start(position + done);
          }
          while (done < length) {
            if (body.pending.length === 0) {
              const next = await body.chunks.next();
              if (next.done) {
                if (body.position >= size) return done;
                throw new TruncatedBody(body.position);
              }
              body.pending = next.value;
            }
            const n = Math.min(length - done, body.pending.length);
            into.set(body.pending.subarray(0, n), offset + done);
            body.pending = body.pending.subarray(n);
            body.position += n;
            done += n;
          }
          return done;
        } catch (e) {
          const at = body?.position ?? position + done;
          drop();
          if (e instanceof KsnapError) throw e;
          // Bytes already copied are handed out; the next read asks again from where this response stopped.
          if (done > 0) return done;
          if (attempt >= BODY_RETRIES) {
            throw new KsnapError("IO_ERROR",
              `truncated GET: the response ended after byte ${at} of ${size} (${e instanceof TruncatedBody ? "closed early" : (e as Error).message}), ${BODY_RETRIES + 1} times`,
              { file: object.location });
          }
          await new Promise((r) => setTimeout(r, BODY_BACKOFF_MS * 2 ** attempt));
        }
      }
    },
    async close() {
      drop();
    },
  };
}

function opened(position: number, stream: OpenedBody): OpenBody {
  return { position, chunks: stream[Symbol.asyncIterator](), pending: new Uint8Array(0), destroy: () => stream.destroy?.() };
}

/** A response body that ended before the object did. */
class TruncatedBody extends Error {
  constructor(readonly at: number) {
    super("the response ended early");
  }
}
