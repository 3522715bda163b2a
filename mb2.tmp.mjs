import fs from "node:fs";
import { promisify } from "node:util";
import xxhash from "xxhash-wasm";
const h = await xxhash();
const root = "/work/tmp-hashproc/small/shared";
const names = fs.readdirSync(root).sort().slice(0, 50000);
const C = fs.constants;
const open = promisify(fs.open), fstat = promisify(fs.fstat), readlink = promisify(fs.readlink), close = promisify(fs.close);
const read = (fd, b, o, l, p) => new Promise((res, rej) => fs.read(fd, b, o, l, p, (e, n) => e ? rej(e) : res(n)));
async function one(p, buf) {
  const fd = await open(p, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  const st = await fstat(fd);
  const real = await readlink(`/proc/self/fd/${fd}`);
  const n = await read(fd, buf, 0, Math.min(buf.length, st.size + 1), 0);
  await close(fd);
  return h.h64Raw(buf.subarray(0, n));
}
for (const conc of [4, 16, 64]) {
  const bufs = Array.from({ length: conc }, () => new Uint8Array(new WebAssembly.Memory({ initial: 1, maximum: 1 }).buffer, 0, 65536));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(bufs.map(async (b) => { while (next < names.length) await one(`${root}/${names[next++]}`, b); }));
  console.log("async conc", conc, ((performance.now() - t0) * 1000 / names.length).toFixed(1), "us/file");
}
