//! The service's shared state: the stores, the recorder, the limits it enforces, and the
//! idempotency keys in flight.

use std::sync::Arc;
use std::time::Duration;

use app::{Recorder, Stores};

use crate::idempotency::InFlight;

/// The limits the service enforces on every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a request may take before it is answered with a timeout.
    pub request_timeout: Duration,
    /// The most items one page of a query or of the event feed may hold.
    pub max_page: usize,
    /// The page size when the caller names none.
    pub default_page: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_page: 1_000,
            default_page: 100,
        }
    }
}

/// What every handler shares.
pub struct Service {
    pub(crate) stores: Stores,
    pub(crate) recorder: Recorder,
    pub(crate) settings: Settings,
    pub(crate) in_flight: InFlight,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Service {
    /// A service over `stores` with `settings`.
    pub fn new(stores: Stores, settings: Settings) -> Arc<Self> {
        let recorder = Recorder::new(stores.events.clone());
        Arc::new(Self { stores, recorder, settings, in_flight: InFlight::default() })
    }
}
