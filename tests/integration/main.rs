//! Covenant's integration tests, one binary, one module per feature.

mod architecture;
mod store;
