"""Views and analyzers with python-arango-async on a database the Rust test prepared.

Reads the view VIEW and the analyzer ANALYZER (`PROPS`, `INFO`, `VIEWS`, `AN`, `ANALYZERS`),
then creates the analyzer `py_norm`, the arangosearch view `py_view` linking COLLECTION with
it (updated, then renamed to `py_view2`) and the search-alias view `py_alias` over the
inverted index INDEX, and checks the refusals it gets (`REFUSED`).

Usage: views.py URL ROOT_PASSWORD DB VIEW ANALYZER COLLECTION INDEX
"""
import asyncio
import json
import sys

from arangoasync import ArangoClient
from arangoasync.auth import Auth
from arangoasync.exceptions import AnalyzerDeleteError, ViewGetError


async def main(url, password, db_name, view, analyzer, coll, index):
    async with ArangoClient(hosts=url) as client:
        db = await client.db(db_name, auth=Auth("root", password), verify=True)
        print("PROPS " + json.dumps(await db.view(view)))
        print("INFO " + json.dumps(await db.view_info(view)))
        print("VIEWS " + json.dumps(await db.views()))
        print("AN " + json.dumps(await db.analyzer(analyzer)))
        print("ANALYZERS " + json.dumps(await db.analyzers()))

        an = await db.create_analyzer("py_norm", "norm", {"locale": "en", "case": "lower"}, ["frequency"])
        assert an["name"] == db_name + "::py_norm", an
        again = await db.create_analyzer("py_norm", "norm", {"locale": "en", "case": "lower"}, ["frequency"])
        # A new analyzer is 201; the same definition again answers the existing one, 200.
        assert (an.pop("code"), again.pop("code")) == (201, 200), (an, again)
        assert again == an, (again, an)
        v = await db.create_view("py_view", "arangosearch", {"links": {coll: {"analyzers": ["py_norm"]}}})
        assert v["links"][coll]["analyzers"] == ["py_norm"], v
        v = await db.update_view("py_view", {"commitIntervalMsec": 2000})
        assert v["commitIntervalMsec"] == 2000 and coll in v["links"], v
        await db.rename_view("py_view", "py_view2")
        await db.create_view("py_alias", "search-alias", {"indexes": [{"collection": coll, "index": index}]})
        refused = {}
        try:
            await db.delete_analyzer("py_norm")
        except AnalyzerDeleteError as e:
            refused["in_use"] = [e.http_code, e.error_code]
        try:
            await db.view("py_view")
        except ViewGetError as e:
            refused["renamed"] = [e.http_code, e.error_code]
        assert await db.delete_view("no_such_view", ignore_missing=True) is False
        print("REFUSED " + json.dumps(refused))
    print("OK")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:8]))
