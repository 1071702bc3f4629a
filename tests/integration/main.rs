//! Covenant's integration tests, one binary, one module per feature.

mod app;
mod architecture;
mod client;
mod http;
mod imports;
mod interchange;
mod parsers;
mod projections;
mod store;
mod views;

tests::skip_summary!();
