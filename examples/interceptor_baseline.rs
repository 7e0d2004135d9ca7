//! The raw baseline of `benches/interceptors.sh`: the same two regexes over the same lines with
//! the `regex` crate and nothing else (no events, headers, dates, channels or threads).
//!
//!   interceptor_baseline FILE EXTRACT_REGEX FILTER_REGEX
//!
//! Reads FILE into memory, then per line runs EXTRACT_REGEX once with its capture groups (one
//! reused `CaptureLocations`) and FILTER_REGEX as a substring search. Prints the lines, how many
//! matched each regex, and lines per CPU-second of the loop and of the whole process.

use std::time::Instant;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the provided struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, extract, filter] = args.as_slice() else {
        eprintln!("usage: interceptor_baseline FILE EXTRACT_REGEX FILTER_REGEX");
        std::process::exit(2);
    };
    let extract = regex::Regex::new(extract).unwrap_or_else(|e| {
        eprintln!("EXTRACT_REGEX: {e}");
        std::process::exit(2)
    });
    let filter = regex::Regex::new(filter).unwrap_or_else(|e| {
        eprintln!("FILTER_REGEX: {e}");
        std::process::exit(2)
    });
    let data = std::fs::read(file).unwrap_or_else(|e| {
        eprintln!("{file}: {e}");
        std::process::exit(2)
    });
    let text = match std::str::from_utf8(&data) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{file}: not UTF-8: {e}");
            std::process::exit(2)
        }
    };

    let cpu0 = cpu_seconds();
    let wall = Instant::now();
    let mut locs = extract.capture_locations();
    let (mut lines, mut extracted, mut filtered, mut group_bytes) = (0u64, 0u64, 0u64, 0usize);
    for line in text.lines() {
        lines += 1;
        if extract.captures_read(&mut locs, line).is_some() {
            extracted += 1;
            for g in 1..locs.len() {
                if let Some((s, e)) = locs.get(g) {
                    group_bytes += e - s;
                }
            }
        }
        if filter.is_match(line) {
            filtered += 1;
        }
    }
    let loop_cpu = cpu_seconds() - cpu0;
    let elapsed = wall.elapsed().as_secs_f64();
    println!("baseline lines:       {lines}");
    println!("baseline extracted:   {extracted} ({group_bytes} bytes of groups)");
    println!("baseline filtered:    {filtered}");
    println!("baseline loop wall:   {elapsed:.3} s");
    println!("baseline loop CPU:    {loop_cpu:.3} s");
    println!(
        "baseline lines per CPU-s (loop):    {:.0}",
        lines as f64 / loop_cpu.max(1e-9)
    );
    println!(
        "baseline lines per CPU-s (process): {:.0}",
        lines as f64 / cpu_seconds().max(1e-9)
    );
}
