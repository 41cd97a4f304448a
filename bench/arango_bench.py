"""python-arango-async on the same ArangoDB workloads as src/arango.rs (the stand-in server).

Prints the same tab-separated line as driver-bench, driver "python", server "arango".
`concurrency` asyncio tasks each run requests back to back until the count is reached.

usage: arango_bench.py <doc_insert|doc_get> <concurrency> <requests> <url>
"""
import asyncio
import resource
import sys
import time

from arangoasync import ArangoClient
from arangoasync.auth import Auth

DOCS = 1000


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def main(workload, concurrency, requests, url):
    async with ArangoClient(hosts=url) as client:
        db = await client.db("_system", auth_method="basic", auth=Auth(username="root", password=""), verify=True)
        col = db.collection("bench")
        doc = {"n": 1, "v": "value"}

        async def one(i):
            if workload == "doc_insert":
                await col.insert(doc)
            else:
                d = await col.get(f"k{i % DOCS}")
                assert d["v"]

        async def run(total, lat):
            state = {"next": 0}

            async def worker():
                while True:
                    i = state["next"]
                    if i >= total:
                        return
                    state["next"] += 1
                    t = time.perf_counter()
                    await one(i)
                    if lat is not None:
                        lat.append(time.perf_counter() - t)

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await run(max(requests // 10, 1), None)
        c0 = cpu()
        lat = []
        t0 = time.perf_counter()
        await run(requests, lat)
        el = time.perf_counter() - t0
        cpu_us = (cpu() - c0) * 1e6 / requests
    lat.sort()
    q = lambda p: int(lat[min(len(lat) - 1, int(p * len(lat)))] * 1e6)  # noqa: E731
    print(
        f"python\t{workload}\t{concurrency}\t{requests}\t{requests / el:.0f}\t{q(0.5)}\t{q(0.99)}\t"
        f"{q(0.999)}\t{cpu_us:.1f}\t-\tarango"
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
