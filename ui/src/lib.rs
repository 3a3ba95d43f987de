//! The compile-time checks of scopegate's macros: `tests/ui.rs` runs the
//! trybuild cases under `cases/`, one folder per topic. This crate holds
//! no code; its dependencies are what the cases compile against.
#![forbid(unsafe_code)]
