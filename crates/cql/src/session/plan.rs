//! Query plans: the nodes a request may go to, in the load-balancing policy's order.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use super::Session;
use crate::connection::Connection;
use crate::control::Pools;
use crate::error::Error;
use crate::policies::{LoadBalancingPolicy, RequestInfo};
use crate::pool::HostPool;
use crate::token::Token;

/// The nodes of a query plan not tried yet, shared by the executions of one request
/// (speculative executions take the next node), and the errors of the nodes tried. Only the
/// first node's connection is picked up front; the others are picked when reached, so a plan
/// over a large cluster costs one pick when the first node answers.
pub(super) struct QueryPlan<'a> {
    pools: &'a ArcSwap<Pools>,
    state: Mutex<PlanState>,
}

struct PlanState {
    first: Option<Connection>,
    /// The request's token: on ScyllaDB, the shard whose connection is picked.
    token: Option<Token>,
    /// The other nodes, each with its shard when a tablet names it.
    rest: std::vec::IntoIter<(SocketAddr, Option<u16>)>,
    errors: Vec<(SocketAddr, Error)>,
    /// The tracing sessions of the request's traced attempts that failed, in order.
    traces: Vec<uuid::Uuid>,
}

impl QueryPlan<'_> {
    pub(super) fn next(&self) -> Option<Connection> {
        let mut state = self.state.lock().ok()?;
        if let Some(c) = state.first.take() {
            return Some(c);
        }
        let pools = self.pools.load();
        while let Some((addr, shard)) = state.rest.next() {
            let Some(pool) = pools.get(&addr) else {
                continue;
            };
            match pool.pick_on(shard, state.token) {
                Some(c) => return Some(c),
                None => state.errors.push((addr, no_connection(pool))),
            }
        }
        None
    }

    /// Whether nodes are left to try (some may turn out to have no open connection).
    pub(super) fn has_next(&self) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.first.is_some() || s.rest.len() > 0)
    }

    /// Whether another node follows the first: speculative executions have somewhere to go.
    pub(super) fn has_alternatives(&self) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.first.is_some() && s.rest.len() > 0)
    }

    pub(super) fn failed(&self, addr: SocketAddr, e: Error) {
        if let Ok(mut state) = self.state.lock() {
            state.errors.push((addr, e));
        }
    }

    /// Remembers the tracing session of a traced attempt that failed.
    pub(super) fn traced(&self, id: uuid::Uuid) {
        if let Ok(mut state) = self.state.lock() {
            state.traces.push(id);
        }
    }

    /// The tracing sessions of the failed attempts so far.
    pub(super) fn take_traces(&self) -> Vec<uuid::Uuid> {
        self.state
            .lock()
            .map(|mut s| std::mem::take(&mut s.traces))
            .unwrap_or_default()
    }

    pub(super) fn no_host_available(&self) -> Error {
        Error::NoHostAvailable(
            self.state
                .lock()
                .map(|mut s| std::mem::take(&mut s.errors))
                .unwrap_or_default(),
        )
    }
}

/// Why a node of the plan could not be tried.
fn no_connection(pool: &HostPool) -> Error {
    Error::ConnectionClosed {
        addr: pool.addr(),
        reason: pool
            .last_error()
            .unwrap_or_else(|| "no open connection".to_owned()),
        in_flight: false,
    }
}

impl Session {
    /// The query plan of a request: the load-balancing policy's nodes, the first one with an
    /// open connection picked now.
    pub(super) fn query_plan(
        &self,
        lb: &dyn LoadBalancingPolicy,
        info: &RequestInfo<'_>,
        target: Option<SocketAddr>,
    ) -> Result<QueryPlan<'_>, Error> {
        if let Some(addr) = target {
            return self.targeted_plan(addr, info.token);
        }
        thread_local! {
            /// The policy's plan, reused from request to request (emptied after each).
            static PLAN: std::cell::RefCell<Vec<Arc<crate::metadata::Host>>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let metadata = self.inner.shared.metadata.load();
        let pools = self.inner.shared.pools.load();
        let mut state = PlanState {
            first: None,
            token: info.token,
            rest: Vec::new().into_iter(),
            errors: Vec::new(),
            traces: Vec::new(),
        };
        // A ScyllaDB tablet names each replica's shard.
        let tablet = match (info.keyspace, info.table, info.token) {
            (Some(ks), Some(table), Some(token)) => metadata.tablet(ks, table, token),
            _ => None,
        };
        let shard_on = |h: &crate::metadata::Host| {
            let t = tablet.as_ref()?;
            t.shard_on(h.host_id()?)
        };
        let mut plan = |hosts: &mut Vec<Arc<crate::metadata::Host>>| {
            hosts.clear();
            lb.query_plan_into(info, &metadata, hosts);
            if hosts.is_empty() {
                for h in metadata.hosts().iter().filter(|h| !h.is_up()) {
                    state.errors.push((
                        h.address(),
                        Error::ConnectionClosed {
                            addr: h.address(),
                            reason: pools
                                .get(&h.address())
                                .and_then(|p| p.last_error())
                                .unwrap_or_else(|| "the node is down".to_owned()),
                            in_flight: false,
                        },
                    ));
                }
            }
            let mut rest = Vec::new();
            for host in hosts.drain(..) {
                let addr = host.address();
                let shard = shard_on(&host);
                if state.first.is_some() {
                    rest.push((addr, shard));
                    continue;
                }
                let Some(pool) = pools.get(&addr) else {
                    continue;
                };
                match pool.pick_on(shard, state.token) {
                    Some(c) => state.first = Some(c),
                    None => state.errors.push((addr, no_connection(pool))),
                }
            }
            state.rest = rest.into_iter();
        };
        // A policy that plans with another session's requests on this thread (re-entrantly)
        // gets a Vec of its own.
        let reused = PLAN
            .try_with(|p| p.try_borrow_mut().ok().map(|mut p| plan(&mut p)).is_some())
            .unwrap_or(false);
        if !reused {
            plan(&mut Vec::new());
        }
        Ok(QueryPlan {
            pools: &self.inner.shared.pools,
            state: Mutex::new(state),
        })
    }

    /// The plan of a statement run on one node only (`with_host`): that node or nothing.
    fn targeted_plan(
        &self,
        addr: SocketAddr,
        token: Option<Token>,
    ) -> Result<QueryPlan<'_>, Error> {
        let metadata = self.inner.shared.metadata.load();
        let pools = self.inner.shared.pools.load();
        let pool = pools.get(&addr);
        if metadata.host(addr).is_none() && pool.is_none() {
            return Err(Error::NoSuchHost(addr));
        }
        let mut state = PlanState {
            first: None,
            token,
            rest: Vec::new().into_iter(),
            errors: Vec::new(),
            traces: Vec::new(),
        };
        match pool {
            Some(pool) => match pool.pick_for(token) {
                Some(c) => state.first = Some(c),
                None => state.errors.push((addr, no_connection(pool))),
            },
            // In the cluster but without a pool: the policy ignores it.
            None => state.errors.push((
                addr,
                Error::ConnectionClosed {
                    addr,
                    reason: "the load-balancing policy ignores this node: no connection to it"
                        .to_owned(),
                    in_flight: false,
                },
            )),
        }
        Ok(QueryPlan {
            pools: &self.inner.shared.pools,
            state: Mutex::new(state),
        })
    }
}
