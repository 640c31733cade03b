//! Placeholder removed below once the real bench is written.
fn main() {}
