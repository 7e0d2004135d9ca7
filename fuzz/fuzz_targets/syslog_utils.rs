//! `SyslogUtils` (syslogtcp / syslogudp) on arbitrary network bytes, cut into arbitrary reads:
//! it must never panic, and in TCP mode every byte ends up in an event or stays buffered.
#![no_main]

use std::sync::Arc;

use flume_rs::source::syslog::KeepFields;
use flume_rs::source::syslog::utils::{SyslogUtils, UtilsConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let keep = match control % 4 {
        0 => None,
        1 => KeepFields::parse("all"),
        2 => KeepFields::parse("hostname timestamp"),
        _ => KeepFields::parse("priority version"),
    };
    let udp = control & 4 != 0;
    let size = 10 + (control as usize >> 3) * 7;
    let mut config = UtilsConfig::new(size, keep, udp);
    config.clock = Arc::new(|| 1_700_000_000_000);
    let mut utils = SyslogUtils::new(config);
    for read in input.chunks(1 + control as usize % 13) {
        let mut rest = read;
        while !rest.is_empty() {
            let _ = utils.extract_event(&mut rest);
            if udp {
                break;
            }
        }
    }
});
