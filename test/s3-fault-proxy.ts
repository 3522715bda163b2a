/**
 * Faults between the SDK and the S3 server, injected by a small HTTP proxy on the loopback interface: every request
 * goes to the server unchanged (its signature still holds: the Host header is passed on as signed), unless `decide`
 * names a fault for it. The SDK and ksnap see what a real network and a real store would give them.
 */
import type { Teardown } from "./s3-server.js";
import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What to do to one request: `slowdown` (503 SlowDown, S3's throttling), `reset` (the connection closed before any
 * answer), `truncate` (the response's headers and half its body, then the connection closed), `denied` (403
 * AccessDenied), `internal` (500 InternalError), `unsafe-key` (a listing given one more key, `<prefix>../escape`, which
 * a store may well hold but which is no path), `precondition` (a DeleteObjects answered, without passing it on, with a
 * PreconditionFailed error for every key it names: what Amazon S3 answers when a key's ETag no longer matches, which
 * s3rver does not check), or nothing (passed on).
 */
export type Fault = "slowdown" | "reset" | "truncate" | "denied" | "internal" | "unsafe-key" | "precondition" | undefined;

/** One request the proxy saw. */
export interface SeenRequest {
  method: string;
  url: string;
  fault: Fault;
}

/** A running proxy. */
export interface FaultProxy {
  endpoint: string;
  seen: SeenRequest[];
}

/** Starts a proxy in front of `target` (`http://127.0.0.1:PORT`) for `t` (a test, or the bench); `decide` may be changed later through the returned setter. */
export async function startFaultProxy(
  t: Teardown, target: string, decide: (req: IncomingMessage, body: Buffer) => Fault | Promise<Fault> = () => undefined,
): Promise<FaultProxy & { setDecide: (d: typeof decide) => void }> {
  const to = new URL(target);
  const seen: SeenRequest[] = [];
  let choose = decide;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void (async () => {
      const body = Buffer.concat(chunks);
      const fault = await choose(req, body);
      seen.push({ method: req.method!, url: req.url!, fault });
      if (fault === "reset") return req.socket.destroy();
      if (fault === "slowdown" || fault === "denied" || fault === "internal") {
        const [status, code, message] = fault === "slowdown" ? [503, "SlowDown", "Please reduce your request rate."]
          : fault === "denied" ? [403, "AccessDenied", "Access Denied"] : [500, "InternalError", "We encountered an internal error. Please try again."];
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`;
        res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
        return res.end(req.method === "HEAD" ? undefined : xml);
      }
      if (fault === "precondition") {
        const keys = [...body.toString("utf8").matchAll(/<Key>(.*?)<\/Key>/g)].map((m) => m[1]!);
        const errors = keys.map((k) => `<Error><Key>${k}</Key><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>`);
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${errors.join("")}</DeleteResult>`;
        res.writeHead(200, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
        return res.end(xml);
      }
      const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        if (fault !== "unsafe-key") res.writeHead(up.statusCode!, up.headers);
        if (fault === "unsafe-key") {
          const got: Buffer[] = [];
          up.on("data", (c: Buffer) => got.push(c));
          up.on("end", () => {
            const prefix = new URL(req.url ?? "/", "http://proxy").searchParams.get("prefix") ?? "";
            const extra = `<Contents><Key>${prefix}../escape</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"x"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`;
            const xml = Buffer.from(Buffer.concat(got).toString("utf8").replace("</ListBucketResult>", `${extra}</ListBucketResult>`));
            const headers = { ...up.headers, "content-length": String(xml.length) };
            res.writeHead(up.statusCode!, headers);
            res.end(xml);
          });
          return;
        }
        if (fault !== "truncate") return up.pipe(res);
        // Half the body, then the connection closed: after a pause, so that the client has the headers and those
        // bytes before it sees the reset (a reset before the headers is a plain connection reset).
        const half = Math.floor(Number(up.headers["content-length"] ?? 0) / 2);
        const got: Buffer[] = [];
        up.on("data", (c: Buffer) => got.push(c));
        up.on("end", () => {
          res.write(Buffer.concat(got).subarray(0, half));
          setTimeout(() => res.socket?.destroy(), 20);
        });
      });
      upstream.on("error", () => res.socket?.destroy());
      upstream.end(body);
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, seen, setDecide: (d) => { choose = d; } };
}
