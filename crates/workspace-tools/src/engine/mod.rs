//! The pure engine: the workspace graph, change sets, path rules and the affected set, and their
//! rendering. Nothing here touches git, cargo or the filesystem; the adapters fill its values.

pub(crate) mod affected;
pub(crate) mod changes;
pub(crate) mod graph;
pub(crate) mod lockfile;
pub(crate) mod manifest_diff;
pub(crate) mod reads;
pub(crate) mod render;
pub(crate) mod rules;
