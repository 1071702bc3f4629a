//! The formats Covenant exchanges with other systems, each in a module of its own that both the
//! command line and the HTTP service use.

pub mod cloudevents;
