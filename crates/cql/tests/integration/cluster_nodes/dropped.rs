//! Sessions dropped right after `connect()` leave nothing behind: no socket to any node (the
//! pools of the peers found by the first metadata read were still opening), no task.
//!
//! Every connection of these sessions goes through a proxy of the test's own (the peers are
//! reached at translated addresses), so the counts are exact while other tests run.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cql::Cluster;

use super::{hosts, node_addr, three_nodes};
use crate::proxy::Proxy;

#[derive(Debug)]
struct ToProxies(Vec<(SocketAddr, SocketAddr)>);

impl cql::policies::AddressTranslator for ToProxies {
    fn translate(&self, addr: SocketAddr) -> SocketAddr {
        self.0
            .iter()
            .find(|(node, _)| *node == addr)
            .map_or(addr, |(_, proxy)| *proxy)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_dropped_after_connect_leave_no_socket_and_no_task() {
    if !three_nodes() {
        return;
    }
    let _ = hosts();
    let mut proxies = Vec::new();
    for n in 1..=3 {
        proxies.push(Proxy::start(node_addr(n)).await);
    }
    let map: Vec<(SocketAddr, SocketAddr)> = (1..=3)
        .map(|n| (node_addr(n), proxies[n - 1].addr))
        .collect();
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    for _ in 0..20 {
        let s = Cluster::builder()
            .contact_points([proxies[0].addr.to_string()])
            .credentials("cassandra", "cassandra")
            .address_translator(ToProxies(map.clone()))
            .connections_per_host(2)
            .connect_timeout(crate::common::CONNECT_TIMEOUT)
            .request_timeout(crate::common::REQUEST_TIMEOUT)
            .build()
            .expect("config")
            .connect()
            .await
            .expect("connect");
        drop(s);
    }
    let peers_reached: usize = proxies[1..].iter().map(Proxy::accepted).sum();
    let dropped = Instant::now();
    let until = dropped + Duration::from_secs(10);
    loop {
        let live: Vec<usize> = proxies.iter().map(Proxy::live).collect();
        let extra_tasks = tasks().saturating_sub(before);
        if live.iter().all(|&n| n == 0) && extra_tasks == 0 {
            eprintln!(
                "clean after {:?}; {peers_reached} connections to peers were opened",
                dropped.elapsed()
            );
            break;
        }
        assert!(
            Instant::now() < until,
            "10 s after dropping 20 sessions: sockets open per node {live:?}, {extra_tasks} extra tasks"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
