//! `flume-ng`: Flume's launcher words — agent, validate, avro-client, version, help, and `top`.

use flume_rs::cli;

fn main() {
    limit_malloc_arenas();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("agent") => cli::agent::main(&args[1..]),
        Some("node") => {
            eprintln!("Warning: The \"node\" command is deprecated. Please use \"agent\" instead.");
            cli::agent::main(&args[1..])
        }
        Some("top") => cli::top::main(&args[1..]),
        Some("avro-client") => cli::avro_client::main(&args[1..]),
        Some("validate") => cli::validate::main(&args[1..]),
        Some("file-channel") => cli::file_channel::main(&args[1..]),
        // Not in the help text: prints docs/properties.md.
        Some("properties-doc") => {
            print!("{}", cli::properties_doc());
            0
        }
        Some("version") => {
            print!("{}", cli::version());
            0
        }
        Some("help") | Some("-h") | Some("--help") => {
            print!("{}", cli::HELP);
            0
        }
        other => {
            eprintln!(
                "Error: Unknown or unspecified command '{}'",
                other.unwrap_or("")
            );
            eprint!("{}", cli::HELP);
            1
        }
    };
    std::process::exit(code);
}

/// glibc gives every thread that allocates while another holds the main arena an arena of its
/// own, up to 8 per core. The runtime's worker and blocking threads trade places
/// (`block_in_place`) and events are allocated on one thread and freed on another, so each
/// arena keeps its own free chunks: with an hdfs sink, 8 arenas held ~30 MiB more than one
/// does, at no gain in speed (glibc's per-thread caches serve the small allocations without
/// the arena lock). One arena, unless MALLOC_ARENA_MAX (or the glibc.malloc.arena_max tunable)
/// says otherwise.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() && !tunables.contains("arena_max") {
            // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 1);
            }
        }
    }
}
