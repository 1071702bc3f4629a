//! The HTTP service, started for real on a free port and spoken to over HTTP, on both backends.

mod basics;
