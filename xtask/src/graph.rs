//! `cargo xtask graph`.

use std::path::PathBuf;

use clap::ValueEnum;
use workspace_tools::metadata;
use workspace_tools::render;

/// Arguments of `graph`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Dot,
    Mermaid,
    Json,
}

/// Prints the graph of local packages in dependency order.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let workspace = metadata::load_locked(args.manifest_path.as_deref())?;
    let graph = &workspace.graph;
    let text = match args.format {
        Format::Text => render::graph_text(graph),
        Format::Dot => render::graph_dot(graph),
        Format::Mermaid => render::graph_mermaid(graph),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::graph_json(graph))?
        ),
    };
    crate::output::print(&text)?;
    Ok(crate::exit_code::SUCCESS)
}
