"""Index round trip with python-arango-async on a collection the Rust test prepared.

Prints `LIST <json>`: the indexes as the reference client reads them. Then creates the
persistent index `py_idx` (twice: the second answer must not be new), meets it on a duplicate
insert (`UNIQUE [status, errorNum]`), deletes the index named
by DELETE_NAME, and prints `AFTER <json>`.

Usage: indexes.py URL ROOT_PASSWORD DB COLLECTION DELETE_NAME
"""
import asyncio
import json
import sys

from arangoasync import ArangoClient
from arangoasync.auth import Auth
from arangoasync.exceptions import DocumentInsertError


def plain(idx):
    return dict(idx.items())


async def main(url, password, db_name, coll, delete_name):
    async with ArangoClient(hosts=url) as client:
        db = await client.db(db_name, auth=Auth("root", password), verify=True)
        col = db.collection(coll)
        print("LIST " + json.dumps([plain(i) for i in await col.indexes()]))
        first = await col.add_index("persistent", ["py"], {"name": "py_idx", "unique": True})
        again = await col.add_index("persistent", ["py"], {"name": "py_idx", "unique": True})
        assert first.is_newly_created is True, plain(first)
        assert again.is_newly_created is False, plain(again)
        assert again.id == first.id, (plain(first), plain(again))
        await col.insert({"_key": "py1", "py": 1})
        try:
            await col.insert({"_key": "py2", "py": 1})
        except DocumentInsertError as e:
            print("UNIQUE " + json.dumps([e.http_code, e.error_code]))
        got = await col.get_index(first.numeric_id)
        assert got.name == "py_idx", plain(got)
        victim = [i for i in await col.indexes() if i.name == delete_name]
        assert len(victim) == 1, delete_name
        assert await col.delete_index(victim[0].id) is True
        assert await col.delete_index(victim[0].id, ignore_missing=True) is False
        print("AFTER " + json.dumps([plain(i) for i in await col.indexes()]))
    print("OK")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
