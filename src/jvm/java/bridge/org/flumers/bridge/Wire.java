package org.flumers.bridge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;

/**
 * The byte format of everything that crosses the JNI boundary (the same as src/jvm/wire.rs):
 * big-endian integers, strings as a length (-1 for null) and UTF-8 bytes, an event as its
 * headers (count, then key/value strings) and its body (length, bytes), a batch as a count of
 * events. Whole batches cross in one array, never one event per call.
 */
final class Wire {
  private Wire() {}

  static final class In {
    private final byte[] b;
    private int p;

    In(byte[] b) {
      this.b = b == null ? new byte[0] : b;
    }

    void skip(int n) {
      p += n;
    }

    boolean more() {
      return p < b.length;
    }

    int i32() {
      int v = ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8)
          | (b[p + 3] & 0xff);
      p += 4;
      return v;
    }

    long i64() {
      long hi = i32() & 0xffffffffL;
      long lo = i32() & 0xffffffffL;
      return (hi << 32) | lo;
    }

    String str() {
      int n = i32();
      if (n < 0) {
        return null;
      }
      String s = new String(b, p, n, StandardCharsets.UTF_8);
      p += n;
      return s;
    }

    byte[] bytes() {
      int n = i32();
      byte[] out = new byte[n];
      System.arraycopy(b, p, out, 0, n);
      p += n;
      return out;
    }

    Map<String, String> map() {
      int n = i32();
      Map<String, String> m = new LinkedHashMap<String, String>(n * 2);
      for (int i = 0; i < n; i++) {
        String k = str();
        m.put(k, str());
      }
      return m;
    }

    /** One event, built as Flume's sources build them (EventBuilder.withBody). */
    Event event() {
      int n = i32();
      if (n == 0) {
        // EventBuilder makes the same empty HashMap without a copy of an empty one.
        return EventBuilder.withBody(bytes(), null);
      }
      Map<String, String> headers = new LinkedHashMap<String, String>(n * 2);
      for (int i = 0; i < n; i++) {
        String k = str();
        headers.put(k, str());
      }
      return EventBuilder.withBody(bytes(), headers);
    }

    List<Event> events() {
      int n = i32();
      List<Event> out = new ArrayList<Event>(n);
      for (int i = 0; i < n; i++) {
        out.add(event());
      }
      return out;
    }
  }

  static final class Out {
    private byte[] b;
    private int n;

    Out() {
      this(256);
    }

    Out(int capacity) {
      b = new byte[Math.max(16, capacity)];
    }

    private void room(int more) {
      if (n + more > b.length) {
        byte[] bigger = new byte[Math.max(b.length * 2, n + more)];
        System.arraycopy(b, 0, bigger, 0, n);
        b = bigger;
      }
    }

    Out u8(int v) {
      room(1);
      b[n++] = (byte) v;
      return this;
    }

    Out i32(int v) {
      room(4);
      b[n] = (byte) (v >>> 24);
      b[n + 1] = (byte) (v >>> 16);
      b[n + 2] = (byte) (v >>> 8);
      b[n + 3] = (byte) v;
      n += 4;
      return this;
    }

    Out i64(long v) {
      i32((int) (v >>> 32));
      return i32((int) v);
    }

    Out str(String s) {
      if (s == null) {
        return i32(-1);
      }
      return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    Out bytes(byte[] v) {
      if (v == null) {
        v = new byte[0];
      }
      return raw(v, 0, v.length);
    }

    Out raw(byte[] v, int off, int len) {
      i32(len);
      room(len);
      System.arraycopy(v, off, b, n, len);
      n += len;
      return this;
    }

    Out map(Map<String, String> m) {
      i32(m.size());
      for (Map.Entry<String, String> e : m.entrySet()) {
        str(e.getKey());
        str(e.getValue());
      }
      return this;
    }

    Out event(Event e) {
      Map<String, String> h = e.getHeaders();
      if (h == null) {
        i32(0);
      } else {
        map(h);
      }
      return bytes(e.getBody());
    }

    /** The non-null events of a list (an interceptor drops an event by returning null). */
    Out events(List<Event> events) {
      if (events == null) {
        return i32(0);
      }
      int count = 0;
      for (Event e : events) {
        if (e != null) {
          count++;
        }
      }
      i32(count);
      for (Event e : events) {
        if (e != null) {
          event(e);
        }
      }
      return this;
    }

    byte[] done() {
      byte[] out = new byte[n];
      System.arraycopy(b, 0, out, 0, n);
      return out;
    }
  }
}
