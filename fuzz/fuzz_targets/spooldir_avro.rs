//! The spooling directory's AVRO deserializer on arbitrary files: an error or events, never a
//! panic, and never an allocation larger than the file asks for.
#![no_main]

use flume_rs::source::spooldir::avro::read_file_events;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("flume-fuzz-avro-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.avro");
    let mut file = b"Obj\x01".to_vec();
    file.extend_from_slice(data);
    if std::fs::write(&path, &file).is_err() {
        return;
    }
    let _ = std::fs::remove_file(dir.join("avro-read.meta"));
    let _ = read_file_events(&path, &dir, 10_000);
});
