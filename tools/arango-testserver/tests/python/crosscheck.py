"""Drives the stand-in with python-arango-async (basic, jwt, superuser logins; database,
collection and document operations; an AQL cursor), then prints a superuser token made by
python-arango-async for the Rust client to use.

With EXPIRY_URL (a stand-in whose sessions last 2 seconds), it also lets a JWT expire under
the reference client: version 1.2.7 refreshes after the 401 but resends the request with the
old Authorization header and the /_db/<name> prefix added a second time, so the retry fails
as it would against ArangoDB. The Rust test reads the stand-in's log to confirm the details.

Usage: crosscheck.py URL ROOT_PASSWORD SECRET [EXPIRY_URL]
"""
import asyncio
import base64
import json
import sys
import urllib.request

from arangoasync import ArangoClient
from arangoasync.auth import Auth, JwtToken


async def main(url: str, password: str, secret: str) -> None:
    async with ArangoClient(hosts=url) as client:
        auth = Auth(username="root", password=password)
        sys_db = await client.db("_system", auth_method="basic", auth=auth, verify=True)
        await sys_db.create_database("pydb")
        assert await sys_db.has_database("pydb")

        db = await client.db("pydb", auth_method="jwt", auth=auth, verify=True)
        token = db.connection.token
        assert token is not None
        await db.connection.refresh_token()
        assert db.connection.token.token != ""

        col = await db.create_collection("people")
        assert await db.has_collection("people")
        meta = await col.insert({"_key": "ada", "born": 1815})
        assert meta["_id"] == "people/ada", meta
        doc = await col.get("ada")
        assert doc["born"] == 1815, doc
        await col.update({"_key": "ada", "field": "maths"})
        doc = await col.get("ada")
        assert doc["field"] == "maths", doc
        await col.insert_many([{"_key": f"k{i}", "n": i, "odd": i % 2 == 1} for i in range(10)])
        assert await col.count() == 11

        cursor = await db.aql.execute(
            "FOR d IN people FILTER d.odd == @odd RETURN d.n",
            bind_vars={"odd": True},
            batch_size=2,
            count=True,
        )
        got = []
        async with cursor:
            async for n in cursor:
                got.append(n)
        assert sorted(got) == [1, 3, 5, 7, 9], got

        await col.delete("ada")
        assert await col.count() == 10

        su_token = JwtToken.generate_token(secret)
        su = await client.db("pydb", auth_method="superuser", token=su_token, verify=True)
        assert await su.has_collection("people")

        bad = await client.db("pydb", auth_method="basic", auth=Auth("root", "wrong"))
        try:
            await bad.collections()
        except Exception as e:  # the server's 401 surfaces as an exception
            assert "401" in str(e) or "not authorized" in str(e), e
        else:
            raise AssertionError("wrong password accepted")

        print("TOKEN " + JwtToken.generate_token(secret).token)
    print("OK")


def long_sessions_from_now(url: str, password: str) -> None:
    """The stand-in's test hook: tokens it issues from now on live an hour, so that the one the
    reference client's refresh brings is still accepted by the requests after it, however slow
    the machine (a 2-second session lasts 1 to 2 s, `exp` being in whole seconds)."""
    auth = base64.b64encode(("root:" + password).encode()).decode()
    req = urllib.request.Request(
        url + "/_admin/testserver/session-timeout",
        data=json.dumps({"seconds": 3600}).encode(),
        method="PUT",
        headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200, r.status


async def expiry(url: str, password: str) -> None:
    async with ArangoClient(hosts=url) as client:
        auth = Auth(username="root", password=password)
        db = await client.db("_system", auth_method="jwt", auth=auth, verify=True)
        first = db.connection.token.token
        # Past exp by a whole second: 1.2.7 only refreshes when int(now) > exp, while the
        # server (like ArangoDB) already rejects at now >= exp.
        await asyncio.sleep(3.1)
        long_sessions_from_now(url, password)
        try:
            await db.collections()
        except Exception as e:
            print("REFERENCE_RETRY_FAILED " + type(e).__name__)
        else:
            print("REFERENCE_RETRY_SUCCEEDED")
        assert db.connection.token.token != first, "the reference client did refresh"
        # A fresh request after that refresh works: the stand-in accepts the new token.
        await db.collections()
        print("EXPIRY_OK")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
    if len(sys.argv) > 4:
        asyncio.run(expiry(sys.argv[4], sys.argv[2]))
