//! `flume-ng`: Flume's launcher words — agent, validate, avro-client, version, help, and `top`.

use flume_rs::cli;

fn main() {
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
