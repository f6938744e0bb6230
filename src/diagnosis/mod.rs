//! The diagnosis core: pure domain logic, no I/O.

pub mod evaluate;
