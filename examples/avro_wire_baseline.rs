//! Baseline for `benches/avro_tier.sh`: the exact bytes an avro sink sends for `N` seq events
//! in `appendBatch` calls of `BATCH` events, pushed over loopback TCP with nothing else to do.
//!
//! Two figures: `stream` writes every frame back to back to a reader that discards them (the
//! cost of moving the bytes); `rpc` writes one frame, waits for the 27-byte OK reply a server
//! sends, then writes the next (adds the round trip per batch that Avro RPC imposes).
//!
//! `cargo run --release --no-default-features --example avro_wire_baseline -- [N] [BATCH]`

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use bytes::BytesMut;
use flume_rs::avro_rpc::{FrameDecoder, Requester, Responder, Status, Step};
use flume_rs::event::Event;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn frames(n: u64, batch: u64) -> Vec<BytesMut> {
    let mut requester = Requester::new();
    let mut out = Vec::new();
    let mut next = 0u64;
    while next < n {
        let end = (next + batch).min(n);
        let events: Vec<Event> = (next..end).map(|i| Event::new(i.to_string())).collect();
        let call = requester.append_batch(&events);
        if out.is_empty() {
            // The server's BOTH reply: later calls carry no handshake, as on a real connection.
            let _ = requester.read_reply(&call, &[0, 0, 0, 0, 0, 0, 0]);
        }
        out.push(call.frame);
        next = end;
    }
    out
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(2_000_000);
    let batch = args.get(1).copied().unwrap_or(1000);
    let frames = frames(n, batch);
    let bytes: usize = frames.iter().map(|f| f.len()).sum();

    // stream: all frames back to back, the reader discards.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = vec![0u8; 256 * 1024];
        while s.read(&mut buf).map(|n| n > 0).unwrap_or(false) {}
    });
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    for f in &frames {
        s.write_all(f).expect("write");
    }
    drop(s);
    reader.join().expect("reader");
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    println!(
        "stream: {n} events, {:.1} MB in {wall:.3} s = {:.0} events/s, {cpu:.2} CPU-s",
        bytes as f64 / 1e6,
        n as f64 / wall
    );

    // rpc: one call at a time, answered by a server that decodes the frame and replies OK.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let _ = s.set_nodelay(true);
        let responder = Responder::new();
        let mut conn = flume_rs::avro_rpc::Connection::default();
        let mut decoder = FrameDecoder::new(128 << 20);
        let mut buf = BytesMut::with_capacity(256 * 1024);
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let read = s.read(&mut chunk).unwrap_or(0);
            if read == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..read]);
            while let Ok(Some(frame)) = decoder.decode(&mut buf) {
                let reply = match responder.respond(&mut conn, &frame) {
                    Step::Reply(r) => r,
                    Step::Execute(_, pending) => pending.finish(Status::Ok),
                };
                s.write_all(&reply).expect("reply");
            }
        }
    });
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    let _ = s.set_nodelay(true);
    let mut reply = [0u8; 64];
    for (i, f) in frames.iter().enumerate() {
        s.write_all(f).expect("write");
        // First reply carries the 4-byte handshake: 27 bytes; later ones 23.
        let len = if i == 0 { 27 } else { 23 };
        s.read_exact(&mut reply[..len]).expect("reply");
    }
    drop(s);
    server.join().expect("server");
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    println!(
        "rpc:    {n} events in {} calls, {wall:.3} s = {:.0} events/s, {cpu:.2} CPU-s (client and decoding server)",
        frames.len(),
        n as f64 / wall
    );
}
