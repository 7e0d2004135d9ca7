//! `SyslogParser` (multiport_syslogtcp) and its line splitter on arbitrary bytes: no panic.
#![no_main]

use flume_rs::java::charset::{DecodeErrorPolicy, JavaCharset};
use flume_rs::source::syslog::KeepFields;
use flume_rs::source::syslog::multiport::LineSplitter;
use flume_rs::source::syslog::parser::{SyslogParser, parse_rfc5424_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let parser = SyslogParser::default();
    let keep = if control & 1 == 0 { None } else { KeepFields::parse("hostname timestamp priority version") };
    let mut splitter = LineSplitter::new(8 + control as usize);
    for read in input.chunks(1 + control as usize % 17) {
        let mut rest = read;
        while !rest.is_empty() {
            if let Some(line) = splitter.parse_line(&mut rest)
                && let Ok(text) = JavaCharset::Utf8.decode_with(&line.bytes, DecodeErrorPolicy::Fail)
            {
                let _ = parser.parse_message(&text, keep.as_ref());
                let _ = parse_rfc5424_date(&text);
            }
        }
    }
});
