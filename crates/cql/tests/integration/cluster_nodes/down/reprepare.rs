//! A node that was down while statements were prepared gets them when it comes back, before
//! it takes requests: 0 UNPREPARED answers from it afterwards. While it is down, a statement
//! aimed at it (`with_host`) is a typed error, not another node's answer.

use std::time::Duration;

use cql::Error;

use super::super::{node_addr, session, wait_for_open_pools};
use super::{Stopped, enabled, wait_until};
use crate::common::CONNECT_TIMEOUT;

#[tokio::test]
async fn a_node_that_comes_back_gets_the_recent_statements_before_traffic() {
    if !enabled() {
        return;
    }
    let s = session().await;
    wait_for_open_pools(&s, 3, CONNECT_TIMEOUT).await;
    let node2 = node_addr(2);

    let stopped = Stopped::new(2, false).await;
    wait_until(Duration::from_secs(60), "node 2's pool closes", || {
        s.pool_state()
            .iter()
            .any(|(a, open, _)| *a == node2 && *open == 0)
    })
    .await;

    // Aimed at the node that is down: an error naming it.
    let aimed = cql::SimpleStatement::new("SELECT host_id FROM system.local").with_host(node2);
    match s.execute(&aimed, ()).await {
        Err(Error::NoHostAvailable(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].0, node2);
        }
        other => panic!("expected NoHostAvailable for node 2, got {other:?}"),
    }

    // Prepared while node 2 is down: it has never seen these texts.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let mut statements = Vec::new();
    for i in 0..5 {
        let q =
            format!("SELECT host_id FROM system.local WHERE key = ? /* reprepare {nanos} {i} */");
        statements.push(s.prepare(q).await.expect("prepare"));
    }
    let before = s.metrics();

    stopped.start().await;
    wait_until(Duration::from_secs(120), "node 2's pool reopens", || {
        s.pool_state()
            .iter()
            .any(|(a, open, _)| *a == node2 && *open > 0)
    })
    .await;
    let after_up = s.metrics();
    assert!(
        after_up.reprepared_on_up - before.reprepared_on_up >= 5,
        "node 2 got the 5 statements when it came back: {} re-prepared",
        after_up.reprepared_on_up - before.reprepared_on_up
    );

    for p in &statements {
        let r = s
            .execute(&p.clone().with_host(node2), ("local",))
            .await
            .expect("on node 2");
        assert_eq!(r.coordinator(), node2);
    }
    assert_eq!(
        s.metrics().reprepares,
        before.reprepares,
        "node 2 answered UNPREPARED: it did not get the statements before traffic"
    );
}
