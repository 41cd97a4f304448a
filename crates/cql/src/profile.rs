//! Execution profiles (the reference driver's `ExecutionProfile`): named bundles of request
//! settings and policies that a statement selects with `with_execution_profile(name)`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cql::Error> {
//! use std::time::Duration;
//! use cql::{Cluster, Consistency, ExecutionProfile, SimpleStatement};
//! use cql::policies::{ConstantSpeculativeExecutionPolicy, FallthroughRetryPolicy};
//!
//! let cluster = Cluster::builder()
//!     .execution_profile(
//!         "analytics",
//!         ExecutionProfile::new()
//!             .consistency(Consistency::One)
//!             .request_timeout(Duration::from_secs(60))
//!             .retry_policy(FallthroughRetryPolicy),
//!     )
//!     .execution_profile(
//!         "fast-reads",
//!         ExecutionProfile::new().speculative_execution_policy(
//!             ConstantSpeculativeExecutionPolicy::new(Duration::from_millis(20), 2),
//!         ),
//!     )
//!     .build()?;
//! let session = cluster.connect().await?;
//! let stmt = SimpleStatement::new("SELECT * FROM ks.events").with_execution_profile("analytics");
//! session.execute(&stmt, ()).await?;
//! # Ok(()) }
//! ```
//!
//! A setting a profile leaves unset comes from the cluster's defaults (`ClusterBuilder`); a
//! setting made on the statement itself wins over the profile.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::policies::{LoadBalancingPolicy, RetryPolicy, SpeculativeExecutionPolicy};
use crate::statement::Consistency;

/// Settings and policies for the statements that select this profile.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ExecutionProfile {
    pub(crate) consistency: Option<Consistency>,
    pub(crate) serial_consistency: Option<Consistency>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) page_size: Option<i32>,
    pub(crate) load_balancing: Option<Arc<dyn LoadBalancingPolicy>>,
    pub(crate) retry: Option<Arc<dyn RetryPolicy>>,
    pub(crate) speculative: Option<Arc<dyn SpeculativeExecutionPolicy>>,
}

impl ExecutionProfile {
    /// A profile that changes nothing until its settings are made.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consistency level.
    pub fn consistency(mut self, c: Consistency) -> Self {
        self.consistency = Some(c);
        self
    }

    /// Serial consistency for conditional statements.
    pub fn serial_consistency(mut self, c: Consistency) -> Self {
        self.serial_consistency = Some(c);
        self
    }

    /// Client-side timeout of each request.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Rows per page; zero or less turns paging off (every row in one response).
    pub fn page_size(mut self, rows: i32) -> Self {
        self.page_size = Some(rows);
        self
    }

    /// Which nodes the requests go to. Connection pools are still sized by the cluster's
    /// load-balancing policy (`ClusterBuilder::load_balancing_policy`): a node that policy
    /// ignores has no pool and is skipped.
    pub fn load_balancing_policy(mut self, policy: impl LoadBalancingPolicy + 'static) -> Self {
        self.load_balancing = Some(Arc::new(policy));
        self
    }

    /// How failed requests are retried.
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry = Some(Arc::new(policy));
        self
    }

    /// When slow requests are also sent to another node (idempotent statements only).
    pub fn speculative_execution_policy(
        mut self,
        policy: impl SpeculativeExecutionPolicy + 'static,
    ) -> Self {
        self.speculative = Some(Arc::new(policy));
        self
    }
}

/// The execution profiles of a session by name: those of the builder, and those added or
/// replaced since. A request takes its profile when it starts and keeps it.
#[derive(Debug)]
pub(crate) struct Profiles(ArcSwap<HashMap<String, Arc<ExecutionProfile>>>);

impl Profiles {
    pub(crate) fn new(initial: &HashMap<String, ExecutionProfile>) -> Self {
        Profiles(ArcSwap::from_pointee(
            initial
                .iter()
                .map(|(k, v)| (k.clone(), Arc::new(v.clone())))
                .collect(),
        ))
    }

    pub(crate) fn get(&self, name: &str) -> Option<Arc<ExecutionProfile>> {
        self.0.load().get(name).cloned()
    }

    /// Adds or replaces a profile; returns whether one of that name existed.
    pub(crate) fn set(&self, name: &str, profile: ExecutionProfile, replace: bool) -> bool {
        let profile = Arc::new(profile);
        let mut existed = false;
        self.0.rcu(|old| {
            let mut next = (**old).clone();
            existed = next.contains_key(name);
            if replace || !existed {
                next.insert(name.to_owned(), Arc::clone(&profile));
            }
            next
        });
        existed
    }
}
