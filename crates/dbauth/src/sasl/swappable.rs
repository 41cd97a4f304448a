//! A provider whose credentials can be replaced while connections use it.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use super::{AuthProvider, Authenticator, HostInfo};
use crate::Error;

/// Hands each new connection to the provider that is current when it authenticates;
/// [`replace`](Self::replace) swaps that provider (new credentials from a vault, another
/// role, another mechanism). Connections already authenticated are not affected: the CQL
/// driver's `Session::rotate_connections` replaces them with new ones.
///
/// ```
/// use dbauth::{PlainTextAuthProvider, SwappableAuthProvider};
/// let provider = SwappableAuthProvider::new(PlainTextAuthProvider::new("app", "first"));
/// // ... give `provider.clone()` to the driver; later, after the password changed:
/// provider.replace(PlainTextAuthProvider::new("app", "second"));
/// ```
#[derive(Clone)]
pub struct SwappableAuthProvider {
    current: Arc<RwLock<Arc<dyn AuthProvider>>>,
}

impl fmt::Debug for SwappableAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The inner provider holds secrets: not shown.
        f.debug_struct("SwappableAuthProvider")
            .finish_non_exhaustive()
    }
}

impl SwappableAuthProvider {
    /// Starts with `provider`.
    pub fn new(provider: impl AuthProvider + 'static) -> Self {
        Self {
            current: Arc::new(RwLock::new(Arc::new(provider))),
        }
    }

    /// New connections (of every clone) authenticate with `provider` from now on.
    pub fn replace(&self, provider: impl AuthProvider + 'static) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(provider);
    }
}

#[async_trait::async_trait]
impl AuthProvider for SwappableAuthProvider {
    async fn new_authenticator(
        &self,
        host: &HostInfo,
        authenticator_class: &str,
    ) -> Result<Box<dyn Authenticator>, Error> {
        // Not held across the await: a slow provider does not block `replace`.
        let provider = Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner));
        provider.new_authenticator(host, authenticator_class).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlainTextAuthProvider;

    #[test]
    fn new_authenticators_use_the_provider_current_when_they_are_made() {
        futures_executor::block_on(async {
            let host = HostInfo::new("127.0.0.1:9042".parse().expect("addr"));
            let class = "org.apache.cassandra.auth.PasswordAuthenticator";
            let p = SwappableAuthProvider::new(PlainTextAuthProvider::new("u", "first"));
            let clone = p.clone();
            let mut before = p.new_authenticator(&host, class).await.expect("auth");
            p.replace(PlainTextAuthProvider::new("u", "second"));
            let mut after = clone.new_authenticator(&host, class).await.expect("auth");
            assert_eq!(
                before.initial_response().await.expect("token"),
                Some(b"\0u\0first".to_vec())
            );
            assert_eq!(
                after.initial_response().await.expect("token"),
                Some(b"\0u\0second".to_vec())
            );
            assert!(!format!("{p:?}").contains("second"));
        });
    }
}
