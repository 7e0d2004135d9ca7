//! A configuration file of arbitrary bytes through the whole configuration pipeline: the
//! properties reader, last-wins merge, `${…}` substitution and Flume's validation. Nothing may
//! panic; errors carry a line number inside the input.
#![no_main]

use flume_rs::config::{self, Environment, properties, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u32 + 1;
    match properties::parse_bytes(data, "fuzz.conf") {
        Ok(props) => {
            let env = Environment::fixed(Default::default(), Default::default());
            let merged = config::merge(vec![props], &env);
            for agent in ["a1", "agent"] {
                let _ = validate::build_agent(agent, &merged, &env);
            }
        }
        Err(properties::PropertiesError::Syntax { line, .. }) => {
            assert!(line >= 1 && line <= lines)
        }
        Err(_) => {}
    }
});
