//! The spooling directory's tracker file and taildir's position file, as left on disk by
//! another agent or a crash: reading arbitrary bytes never panics.
#![no_main]

use flume_rs::source::spooldir::tracker;
use flume_rs::source::taildir::parse_positions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tracker::parse(data);
    let mut meta = tracker::header("/spool/f", &[7; 16]);
    meta.extend_from_slice(data);
    let _ = tracker::parse(&meta);
    let _ = parse_positions(&String::from_utf8_lossy(data));
});
