// arangojs on the same ArangoDB workloads as ../src/arango.rs (the stand-in server).
//
// Prints the same tab-separated line as driver-bench, driver "arangojs", server "arango".
// `concurrency` async workers each run requests back to back until the count is reached
// (Node's one event loop). CPU = the whole process (process.cpuUsage: user+sys).
//
// usage: node bench.mjs <doc_insert|doc_get> <concurrency> <requests> <url>
import { Database } from "arangojs";

const DOCS = 1000;
const [workload, concArg, reqArg, url] = process.argv.slice(2);
const concurrency = Number(concArg);
const requests = Number(reqArg);

// Keep-alive connections, as many as requests in flight (arangojs' default pool is smaller).
const db = new Database({
  url,
  databaseName: "_system",
  auth: { username: "root", password: "" },
  poolSize: Math.max(concurrency, 1),
});
const col = db.collection("bench");
const doc = { n: 1, v: "value" };

async function one(i) {
  if (workload === "doc_insert") {
    await col.save(doc);
  } else {
    const d = await col.document(`k${i % DOCS}`);
    if (!d.v) throw new Error("document without v");
  }
}

async function run(total, lat) {
  let next = 0;
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t = process.hrtime.bigint();
      await one(i);
      if (lat) lat.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
}

await run(Math.max(Math.floor(requests / 10), 1), null);
const c0 = process.cpuUsage();
const lat = [];
const t0 = process.hrtime.bigint();
await run(requests, lat);
const el = Number(process.hrtime.bigint() - t0) / 1e9;
const c = process.cpuUsage(c0);
const cpuUs = (c.user + c.system) / requests;
lat.sort((a, b) => a - b);
const q = (p) => Math.floor(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]);
console.log(
  `arangojs\t${workload}\t${concurrency}\t${requests}\t${(requests / el).toFixed(0)}\t${q(0.5)}\t${q(0.99)}\t${q(0.999)}\t${cpuUs.toFixed(1)}\t-\tarango`,
);
db.close();
