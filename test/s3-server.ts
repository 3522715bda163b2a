/// <reference path="./s3rver.d.ts" />
/**
 * A real S3 API server for the tests, on the loopback interface: s3rver, started in this process on a random port
 * with its objects in a temporary folder. Not a mock of the SDK: requests are signed, sent over HTTP, parsed and
 * answered as S3 would (listings paginated by 1,000, ranged GETs, DeleteObjects, S3 error codes). Credentials are
 * s3rver's fixed pair, put in the environment where the SDK's standard chain finds them.
 */
import crypto from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import S3rver from "s3rver";
import { ListObjectsV2Command, PutObjectCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { s3ClientConfig, S3Storage } from "../src/storage/s3-storage.js";
import { forEachLimited } from "../src/validate/run-limited.js";

process.env.AWS_ACCESS_KEY_ID = "S3RVER";
process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
process.env.AWS_REGION = "us-east-1";

// On Node 20 the SDK warns, once, that its releases after the first week of January 2027 need Node 22 (the project
// declares >=22); the warning would land in the stderr a test captures.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === "string" ? `${warning} ${String(rest[0] ?? "")}` : `${warning.name} ${warning.message}`;
  if (!text.includes("NodeVersionSupportWarning")) (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

// s3rver encrypts listing continuation tokens with single DES, which OpenSSL 3 (Node 17 and later) no longer offers.
// Triple DES with the key repeated three times is the same cipher (E_k(D_k(E_k(x))) = E_k(x)), and is offered.
for (const name of ["createCipheriv", "createDecipheriv"] as const) {
  const original = crypto[name] as (...args: unknown[]) => unknown;
  (crypto as unknown as Record<string, unknown>)[name] = (algorithm: string, key: Buffer, ...rest: unknown[]) =>
    algorithm === "des" ? original("des-ede3-cbc", Buffer.concat([key, key, key]), ...rest) : original(algorithm, key, ...rest);
}

/** The bucket every test server has. */
export const BUCKET = "ksnap-test";

/** A running server. */
export interface S3Server {
  endpoint: string;
  /** The folder s3rver keeps its buckets in ({@link populateStore} writes objects there directly). */
  directory: string;
  port: number;
  client: S3Client;
  /** A new storage on this server (each one remembers only its own listings). */
  storage(endpoint?: string): S3Storage;
}

/** Whatever stops things at the end: a tap test, or the bench's list of closers. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Starts a server for `t` (a test, or the bench), stopped (and its folder removed) at its teardown. */
export async function startS3Server(t: Teardown, buckets: readonly string[] = [BUCKET]): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), "ksnap-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client(s3ClientConfig(endpoint));
  t.teardown(async () => {
    client.destroy();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return { endpoint, directory, port, client, storage: (at = endpoint) => new S3Storage({ client: new S3Client(s3ClientConfig(at)) }) };
}

/** Every file under the local folder `dir`, relative, '/'-separated, sorted. */
export function localFiles(dir: string, under = dir): string[] {
  return readdirSync(under, { withFileTypes: true }).flatMap((d) => d.isDirectory()
    ? localFiles(dir, join(under, d.name))
    : [relative(dir, join(under, d.name)).split(sep).join("/")]).sort();
}

/** Copies the local folder `dir` to `s3://bucket/prefix/` (a few PUTs at a time); returns the keys written. */
export async function upload(client: S3Client, dir: string, prefix: string, bucket = BUCKET, concurrency = 16): Promise<string[]> {
  const paths = localFiles(dir);
  const keys = paths.map((p) => (prefix === "" ? p : `${prefix}/${p}`));
  await forEachLimited(paths, concurrency, async (p, i) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: keys[i]!, Body: readFileSync(join(dir, ...p.split("/"))) }));
  });
  return keys;
}

/** Writes one object. */
export async function putObject(client: S3Client, key: string, body: Uint8Array | string, bucket = BUCKET): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === "string" ? Buffer.from(body) : body }));
}

/** The bytes of one object, as the server has them. */
export async function getObject(client: S3Client, key: string, bucket = BUCKET): Promise<Uint8Array> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToByteArray();
}

/** Every key under `prefix/`, relative to it, sorted (paginated). */
export async function keysUnder(client: S3Client, prefix: string, bucket = BUCKET): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) out.push(o.Key!.slice(prefix.length + 1));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out.sort();
}

/** `s3://<bucket>/<prefix>`. */
export function s3(prefix: string, bucket = BUCKET): string {
  return `s3://${bucket}/${prefix}`;
}

/**
 * Copies the local folder `dir` to `s3://bucket/prefix/` by writing straight into the running server's store, as
 * s3rver's own PUT leaves it (`<key>._S3rver_object`, its `.md5` and a `._S3rver_metadata.json` with no stored
 * headers): the bench's 100,000 objects in seconds instead of minutes of PUTs. s3rver reads its store on every
 * request, so the objects are then served, listed and deleted over HTTP like any other. Returns the number written.
 */
export function populateStore(server: S3Server, dir: string, prefix: string, bucket = BUCKET): number {
  const paths = localFiles(dir);
  for (const p of paths) {
    const key = prefix === "" ? p : `${prefix}/${p}`;
    const object = join(server.directory, bucket, ...key.split("/").slice(0, -1), `${key.slice(key.lastIndexOf("/") + 1)}._S3rver_object`);
    mkdirSync(dirname(object), { recursive: true });
    copyFileSync(join(dir, ...p.split("/")), object);
    writeFileSync(`${object}.md5`, crypto.createHash("md5").update(readFileSync(object)).digest("hex"));
    writeFileSync(object.replace(/object$/, "metadata.json"), "{}");
  }
  return paths.length;
}
