//! The event store conformance suite: every test here runs on SQLite and on PostgreSQL.

mod appending;
mod concurrency;
mod crash;
mod migrations;
mod reading;
mod snapshots;
mod tables;
mod tampering;
mod tree;
