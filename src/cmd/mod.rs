//! The subcommands that need more than a few lines, one module each.

pub mod calibrate;
pub mod explain;
pub mod show;
pub mod what_if;
