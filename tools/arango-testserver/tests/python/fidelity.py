"""Checks the stand-in's behaviours of issue 17 with python-arango-async: boolean query
parameters sent as 0/1, `silent` on batches, HEAD with If-None-Match, write-write conflicts
and the idle timeout of stream transactions, cursor ttl and allowRetry, and a missing
database for a non-root user. Each check prints a line; FIDELITY_OK at the end.

The stand-in must have user eve/evepw (ro on _system) and a stream transaction idle timeout
of 1 s.

Usage: fidelity.py URL ROOT_PASSWORD
"""
import asyncio
import sys
import time

from arangoasync import ArangoClient
from arangoasync.auth import Auth


async def main(url: str, password: str) -> None:
    async with ArangoClient(hosts=url) as client:
        db = await client.db("_system", auth=Auth("root", password), verify=True)
        col = await db.create_collection("fid")

        # keepNull=0 (the client sends booleans as 0/1): the null removes the attribute.
        await col.insert({"_key": "k", "a": 1, "b": 2})
        await col.update({"_key": "k", "a": None}, keep_null=False)
        doc = await col.get("k")
        assert "a" not in doc and doc["b"] == 2, doc
        print("KEEPNULL_0")

        # ignoreRevs=0: a stale _rev in a batch update is a conflict in its slot.
        res = await col.update_many([{"_key": "k", "_rev": "stale", "x": 1}], ignore_revs=False)
        assert res[0].get("error") is True and res[0]["errorNum"] == 1200, res
        print("IGNOREREVS_0")

        # silent=1 on a batch: an empty object when every document succeeded.
        res = await col.insert_many([{"_key": "s1"}, {"_key": "s2"}], silent=True)
        assert res == {} or res == [], res
        res = await col.insert_many([{"_key": "s1"}, {"_key": "s3"}], silent=True)
        assert len(res) == 1 and res[0]["errorNum"] == 1210, res
        print("SILENT_BATCH")

        # overwriteMode update (with mergeObjects=0), ignore, and returnOld.
        await col.insert({"_key": "o", "obj": {"x": 1}, "n": 1})
        res = await col.insert(
            {"_key": "o", "obj": {"y": 2}}, overwrite_mode="update", merge_objects=False,
            return_old=True,
        )
        assert res["old"]["n"] == 1, res
        doc = await col.get("o")
        assert doc["obj"] == {"y": 2} and doc["n"] == 1, doc
        await col.insert({"_key": "o", "n": 9}, overwrite_mode="ignore")
        assert (await col.get("o"))["n"] == 1
        print("OVERWRITE_MODES")

        # HEAD with the current revision in If-None-Match: 304 (python reports it as an
        # error with that status).
        rev = (await col.get("k"))["_rev"]
        try:
            await col.has("k", if_none_match=rev)
            raise AssertionError("expected 304")
        except Exception as e:  # DocumentGetError
            assert getattr(e, "http_code", None) == 304, repr(e)
        assert await col.has("k", if_none_match="other") is True
        print("HEAD_304")

        # Write-write conflict between two stream transactions.
        t1 = await db.begin_transaction(write=["fid"])
        t2 = await db.begin_transaction(write=["fid"])
        await t1.collection("fid").update({"_key": "k", "v": 1})
        try:
            await t2.collection("fid").update({"_key": "k", "v": 2})
            raise AssertionError("expected a write-write conflict")
        except Exception as e:
            assert getattr(e, "error_code", None) == 1200, repr(e)
            assert getattr(e, "http_code", None) == 409, repr(e)
        await t1.commit_transaction()
        await t2.abort_transaction()
        assert (await col.get("k"))["v"] == 1
        print("WRITE_WRITE_CONFLICT")

        # Idle timeout (1 s here): the transaction is aborted and its write undone.
        t3 = await db.begin_transaction(write=["fid"])
        await t3.collection("fid").update({"_key": "k", "v": 3})
        await asyncio.sleep(2.5)
        assert await t3.transaction_status() == "aborted"
        assert (await col.get("k"))["v"] == 1
        print("TRX_IDLE_TIMEOUT")

        # A cursor unused for its ttl is gone: 404, errorNum 1600.
        cursor = await db.aql.execute("FOR d IN fid RETURN d", batch_size=1, ttl=1)
        await asyncio.sleep(2.5)
        try:
            await cursor.fetch()
            raise AssertionError("expected an expired cursor")
        except Exception as e:
            assert getattr(e, "error_code", None) == 1600, repr(e)
            assert getattr(e, "http_code", None) == 404, repr(e)
        print("CURSOR_TTL")

        # allowRetry: the latest batch can be read again by its id.
        cursor = await db.aql.execute(
            "FOR d IN fid SORT d._key RETURN d._key", batch_size=1, options={"allowRetry": True}
        )
        bid = cursor._next_batch_id
        assert bid is not None
        again_first = await cursor.fetch()
        again = await cursor.fetch(batch_id=bid)
        assert again == again_first and len(again) == 1, (again, again_first)
        await cursor.close(ignore_missing=True)
        print("ALLOW_RETRY")

    # Access tokens: created, listed, used as a basic password and for a JWT, deleted.
    async with ArangoClient(hosts=url) as client:
        db = await client.db("_system", auth=Auth("root", password), verify=True)
        t = await db.create_access_token("eve", "py", int(time.time()) + 3600)
        token = t["token"] if isinstance(t, dict) else t.token
        tid = t["id"] if isinstance(t, dict) else t.id
        listed = await db.list_access_tokens("eve")
        assert len(listed) == 1 and "token" not in listed[0], listed
        basic = await client.db("_system", auth=Auth("eve", token), verify=True)
        await basic.collections()
        jwt = await client.db("_system", auth_method="jwt", auth=Auth("eve", token), verify=True)
        await jwt.collections()
        await db.delete_access_token("eve", tid)
        assert await db.list_access_tokens("eve") == []
        print("ACCESS_TOKENS")

    # A database that does not exist, asked by a user who may not know: 401.
    async with ArangoClient(hosts=url) as client:
        try:
            await client.db("nope", auth=Auth("eve", "evepw"), verify=True)
            raise AssertionError("expected 401")
        except AssertionError:
            raise
        except Exception as e:
            assert "401" in str(e), repr(e)
        print("MISSING_DB_401")
    print("FIDELITY_OK")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
