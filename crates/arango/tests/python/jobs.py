"""Async jobs with python-arango-async on the stand-in.

Fetches the job RUST_JOB_ID (a count of COLLECTION submitted by the Rust client) and prints
`RUST_RESULT <json>`; runs its own jobs (a count, a failing count, a fire-and-forget insert of
`pyff`, an insert of `py` it leaves unfetched for the Rust client: `LEFT <id>`); lists the done jobs (`DONE <json>`); checks how an unknown
job id is refused.

Usage: jobs.py URL ROOT_PASSWORD DB COLLECTION RUST_JOB_ID
"""
import asyncio
import json
import sys

from arangoasync import ArangoClient
from arangoasync.auth import Auth
from arangoasync.exceptions import AsyncJobStatusError, AsyncJobResultError, DocumentCountError
from arangoasync.job import AsyncJob


async def main(url, password, db_name, coll, rust_job):
    async with ArangoClient(hosts=url) as client:
        db = await client.db(db_name, auth=Auth("root", password), verify=True)
        raw = AsyncJob(db.connection, rust_job, lambda r: json.loads(r.raw_body))
        assert await raw.status() == "done"
        print("RUST_RESULT " + json.dumps(await raw.result()))
        try:
            await raw.status()
        except AsyncJobStatusError:
            pass
        else:
            raise AssertionError("a fetched job is gone")

        adb = db.begin_async_execution(return_result=True)
        job = await adb.collection(coll).count()
        assert await job.status() == "done"
        n = await job.result()
        print("PY_COUNT " + json.dumps(n))

        failing = await adb.collection("no_such_collection").count()
        try:
            await failing.result()
        except DocumentCountError as e:
            print("PY_FAILED " + json.dumps({"code": e.http_code, "num": e.error_code}))

        fire = db.begin_async_execution(return_result=False)
        assert await fire.collection(coll).insert({"_key": "pyff"}) is None

        left = await adb.collection(coll).insert({"_key": "py"})
        print("LEFT " + left.id)
        print("DONE " + json.dumps(await db.async_jobs("done")))
        print("PENDING " + json.dumps(await db.async_jobs("pending")))

        unknown = AsyncJob(db.connection, "999999999", lambda r: r)
        try:
            await unknown.result()
        except AsyncJobResultError as e:
            print("UNKNOWN " + json.dumps({"code": e.http_code}))
        assert await unknown.cancel(ignore_missing=True) is False
        assert await unknown.clear(ignore_missing=True) is False
        await db.clear_async_jobs(threshold=0)
        assert left.id in await db.async_jobs("done"), "nothing is older than 0"
    print("OK")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
