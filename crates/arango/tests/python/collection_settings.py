"""Collection settings and database creation with users, with python-arango-async.

Reads the collection COLLECTION (`PROPS`, `STATS` from /figures, `COUNT`), changes its
properties (`CONFIGURED`), renames it to NEW_NAME and back; creates the database `pyusers`
with the user `bob` (password `bobpw`) and logs in as bob.

Usage: collection_settings.py URL ROOT_PASSWORD DB COLLECTION NEW_NAME
"""
import asyncio
import json
import sys

from arangoasync import ArangoClient
from arangoasync.auth import Auth


async def main(url, password, db_name, coll, new_name):
    async with ArangoClient(hosts=url) as client:
        db = await client.db(db_name, auth=Auth("root", password), verify=True)
        col = db.collection(coll)
        print("PROPS " + json.dumps((await col.properties()).to_dict()))
        print("STATS " + json.dumps((await col.statistics()).to_dict()))
        print("COUNT " + json.dumps(await col.count()))
        configured = await col.configure(cache_enabled=False, wait_for_sync=False)
        print("CONFIGURED " + json.dumps(configured.to_dict()))
        await col.rename(new_name)
        assert await db.has_collection(new_name)
        assert not await db.has_collection(coll)
        await db.collection(new_name).rename(coll)

        sys_db = await client.db("_system", auth=Auth("root", password), verify=True)
        assert await sys_db.create_database(
            "pyusers", users=[{"username": "bob", "password": "bobpw"}], sharding=""
        )
        bob = await client.db("pyusers", auth=Auth("bob", "bobpw"), verify=True)
        await bob.create_collection("bobs")
        assert await bob.has_collection("bobs")
    print("OK")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
