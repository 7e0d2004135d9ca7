//! The interceptor chain of `benches/interceptors.sh` alone, on one thread, without sources,
//! channels or sinks: timestamp → host → regex_extractor (3 groups, one millis serializer) →
//! regex_filter over 1 M access-log lines, in batches of 1000.
//!
//! ```text
//! cargo bench --no-default-features --bench interceptor_chain [-- LINES]
//! ```
//!
//! Prints events per CPU-second of the chain. Compare with `bash benches/interceptors.sh
//! --java`, which runs the same per-event work in a JVM (its "loop thread" figure).

use std::time::Instant;

use flume_rs::config::Context;
use flume_rs::event::Event;
use flume_rs::interceptor::InterceptorChain;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the provided struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn line(i: usize) -> String {
    let paths = [
        "/index.html",
        "/api/v1/items?id=",
        "/login",
        "/search?q=flume+",
    ];
    let path = if i % 10 == 9 {
        "/img/logo.png".to_string()
    } else {
        let p = paths[i % 4];
        if p.ends_with('=') || p.ends_with('+') {
            format!("{p}{i}")
        } else {
            p.to_string()
        }
    };
    format!(
        "10.{}.{}.{} - - [10/Oct/2023:{:02}:{:02}:{:02} -0700] \"GET {path} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255,
        (i / 3600) % 24,
        (i / 60) % 60,
        i % 60,
        if i.is_multiple_of(7) { 404 } else { 200 },
        100 + i % 5000
    )
}

fn main() {
    let lines: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let ctx = Context::from_pairs(
        "a1.sources.r1.",
        [
            ("interceptors", "ts host rx rf"),
            ("interceptors.ts.type", "timestamp"),
            ("interceptors.host.type", "host"),
            ("interceptors.rx.type", "regex_extractor"),
            (
                "interceptors.rx.regex",
                r#"^(\S+) \S+ \S+ \[([^\]]+)\] "[^"]*" (\d{3}) "#,
            ),
            ("interceptors.rx.serializers", "ip t status"),
            ("interceptors.rx.serializers.ip.name", "client"),
            ("interceptors.rx.serializers.t.name", "logtime"),
            (
                "interceptors.rx.serializers.t.type",
                "org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer",
            ),
            (
                "interceptors.rx.serializers.t.pattern",
                "dd/MMM/yyyy:HH:mm:ss Z",
            ),
            ("interceptors.rx.serializers.status.name", "status"),
            ("interceptors.rf.type", "regex_filter"),
            ("interceptors.rf.regex", r"\.(?:png|gif|css|js) HTTP"),
            ("interceptors.rf.excludeEvents", "true"),
        ],
    );
    let chain = InterceptorChain::from_source_context(&ctx).expect("chain");
    let bodies: Vec<bytes::Bytes> = (0..lines).map(|i| bytes::Bytes::from(line(i))).collect();

    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut kept = 0usize;
    let mut headers = 0usize;
    for batch in bodies.chunks(1000) {
        let events: Vec<Event> = batch.iter().map(|b| Event::new(b.clone())).collect();
        let out = chain.intercept(events).expect("intercept");
        kept += out.len();
        headers += out.iter().map(|e| e.headers.len()).sum::<usize>();
    }
    let cpu = cpu_seconds() - cpu0;
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "interceptor chain: {lines} lines, {kept} kept ({headers} headers), {cpu:.2} CPU s, {:.0} events per CPU-s ({wall:.2} s wall)",
        lines as f64 / cpu
    );
}
