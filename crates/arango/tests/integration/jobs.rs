//! Async jobs: results parsed as the direct call would be, failures typed, pending jobs
//! (the stand-in holding them back) cancelled or released, fire-and-forget, listing and
//! clearing, unknown ids; the same jobs seen by python-arango-async.

use arango::{DbAuth, DocumentMeta, Error, JobError, JobStatus};
use serde_json::{Map, Value, json};

use crate::{cfg, client, pyref, root, server};

fn not_found(e: &Error) -> bool {
    matches!(e, Error::Job(JobError::NotFound { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_jobs_round_trip_and_match_the_reference_client() {
    let s = server(cfg()).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    sys.create_database("jobs").await.expect("create db");
    let db = c
        .db("jobs", DbAuth::basic(root()), true)
        .await
        .expect("jobs");
    let things = db.create_collection("things").await.expect("collection");
    for k in ["a", "b", "c"] {
        things.insert(&json!({"_key": k})).await.expect("insert");
    }
    let adb = db.begin_async_execution();

    // A stored job: accepted at once, done, its result parsed into the closure's type.
    let job = adb
        .submit(|db| async move { db.collection("things").count().await })
        .await
        .expect("submit");
    assert!(!job.id().is_empty());
    assert_eq!(job.status().await.expect("status"), JobStatus::Done);
    assert!(
        db.async_jobs(JobStatus::Done, None)
            .await
            .expect("list")
            .contains(&job.id().to_owned())
    );
    assert_eq!(job.result().await.expect("result"), 3);
    // A result is handed out once.
    assert!(not_found(&job.status().await.expect_err("gone")));
    assert!(not_found(&job.result().await.expect_err("gone")));

    // A failing job: the direct call's typed error, from the stored answer.
    let bad = adb
        .submit(|db| async move { db.collection("nope").count().await })
        .await
        .expect("accepted");
    let e = bad.result().await.expect_err("no collection");
    assert_eq!(
        (e.http_code(), e.error_num()),
        (Some(404), Some(1203)),
        "{e}"
    );

    // A cursor: the first batch from the job, the others fetched as usual.
    let q = adb
        .submit(|db| async move {
            db.aql(
                "FOR d IN things SORT d._key RETURN d._key",
                Map::new(),
                Some(1),
            )
            .await
        })
        .await
        .expect("submit");
    let keys = q
        .result()
        .await
        .expect("cursor")
        .collect()
        .await
        .expect("rows");
    assert_eq!(keys, [json!("a"), json!("b"), json!("c")]);

    // Held back by the stand-in: pending, not fetchable, cancellable; released later.
    s.hold_async_jobs(true);
    let held = adb
        .submit(|db| async move {
            db.collection("things")
                .insert(&json!({"_key": "held"}))
                .await
        })
        .await
        .expect("submit");
    let cancelled = adb
        .submit(|db| async move {
            db.collection("things")
                .insert(&json!({"_key": "never"}))
                .await
        })
        .await
        .expect("submit");
    assert_eq!(held.status().await.expect("status"), JobStatus::Pending);
    assert!(matches!(
        held.result().await,
        Err(Error::Job(JobError::NotDone { .. }))
    ));
    let pending = db.async_jobs(JobStatus::Pending, None).await.expect("list");
    assert_eq!(pending, [held.id().to_owned(), cancelled.id().to_owned()]);
    assert_eq!(
        db.async_jobs(JobStatus::Pending, Some(1))
            .await
            .expect("list")
            .len(),
        1
    );
    // Deleting a pending job's entry does not abort it: it runs, nothing is kept.
    let detached = adb
        .submit(|db| async move {
            db.collection("things")
                .insert(&json!({"_key": "detached"}))
                .await
        })
        .await
        .expect("submit");
    detached.clear().await.expect("delete while pending");
    assert!(not_found(&detached.status().await.expect_err("entry gone")));
    cancelled.cancel().await.expect("cancel");
    assert_eq!(cancelled.status().await.expect("status"), JobStatus::Done);
    let e = cancelled.result().await.expect_err("cancelled");
    assert_eq!((e.http_code(), e.error_num()), (Some(410), Some(21)), "{e}");
    assert!(things.get("held").await.is_err(), "not run while held");
    s.hold_async_jobs(false);
    assert_eq!(held.status().await.expect("status"), JobStatus::Done);
    assert!(
        held.wait(
            std::time::Duration::from_millis(10),
            std::time::Duration::from_secs(5)
        )
        .await
        .expect("wait")
    );
    let meta: DocumentMeta = held.result().await.expect("inserted");
    assert_eq!(meta.id, "things/held");
    assert!(
        things.get("never").await.is_err(),
        "the cancelled job never ran"
    );
    assert_eq!(
        things.get("detached").await.expect("ran")["_key"],
        "detached"
    );

    // Fire and forget: run, nothing kept.
    let before = s.async_jobs();
    adb.fire_and_forget(|db| async move {
        db.collection("things").insert(&json!({"_key": "ff"})).await
    })
    .await
    .expect("fire");
    assert_eq!(things.get("ff").await.expect("ran")["_key"], "ff");
    assert_eq!(s.async_jobs(), before);

    // A closure that makes no request is no job.
    let e = adb
        .submit(|_db| async move { Ok(1) })
        .await
        .expect_err("nothing sent");
    assert!(matches!(e, Error::Job(JobError::NoRequest)), "{e}");

    // Unknown ids: typed, for every operation. A word is no job id: the status request is
    // refused (400), the others find no job.
    for id in ["999999999", "not-a-number"] {
        let j = db.async_job(id);
        let e = j.status().await.expect_err("status");
        if id == "999999999" {
            assert!(not_found(&e), "{e}");
        } else {
            assert_eq!(e.http_code(), Some(400), "{e}");
        }
        assert!(not_found(&j.result().await.expect_err("result")), "{id}");
        assert!(not_found(&j.cancel().await.expect_err("cancel")), "{id}");
        assert!(not_found(&j.clear().await.expect_err("clear")), "{id}");
    }

    // Clearing: by stamp (nothing is older than 0), then all; one job deleted by id.
    let keep = adb
        .submit(|db| async move { db.collection("things").count().await })
        .await
        .expect("j");
    let drop = adb
        .submit(|db| async move { db.collection("things").count().await })
        .await
        .expect("j");
    drop.clear().await.expect("clear");
    assert!(not_found(&drop.result().await.expect_err("cleared")));
    db.clear_async_jobs(Some(0.0)).await.expect("expired");
    assert_eq!(keep.status().await.expect("still there"), JobStatus::Done);
    db.clear_async_jobs(None).await.expect("all");
    assert!(not_found(&keep.status().await.expect_err("cleared")));
    assert!(
        db.async_jobs(JobStatus::Done, None)
            .await
            .expect("list")
            .is_empty()
    );

    // The reference client fetches our job, runs its own, leaves one for us.
    let ours = adb
        .submit(|db| async move { db.collection("things").count().await })
        .await
        .expect("submit");
    let out = pyref::run("jobs.py", &[&s.url(), "pw", "jobs", "things", ours.id()]).await;
    let raw = pyref::tagged(&out, "RUST_RESULT");
    // a, b, c, held, detached, ff.
    assert_eq!(raw["count"], 6, "{raw}");
    assert_eq!(pyref::tagged(&out, "PY_COUNT"), json!(6));
    assert_eq!(
        pyref::tagged(&out, "PY_FAILED"),
        json!({"code": 404, "num": 1203})
    );
    assert_eq!(pyref::tagged(&out, "UNKNOWN"), json!({"code": 404}));
    assert_eq!(pyref::tagged(&out, "PENDING"), json!([]));
    let left = out
        .lines()
        .find_map(|l| l.strip_prefix("LEFT "))
        .expect("left job")
        .to_owned();
    assert!(
        pyref::tagged(&out, "DONE")
            .as_array()
            .expect("list")
            .contains(&Value::from(left.clone()))
    );
    let v = db.async_job(&left).result().await.expect("python's job");
    assert_eq!(v["_id"], "things/py");
    assert_eq!(things.get("py").await.expect("inserted")["_key"], "py");
    assert_eq!(
        things.get("pyff").await.expect("fire and forget ran")["_key"],
        "pyff"
    );
    assert!(not_found(
        &ours.result().await.expect_err("python fetched it")
    ));
}
