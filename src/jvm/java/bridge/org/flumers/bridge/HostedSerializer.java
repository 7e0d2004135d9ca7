package org.flumers.bridge;

import java.io.ByteArrayOutputStream;
import java.util.List;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.serialization.EventSerializer;

/**
 * A Java event serializer for one file, built as Flume's EventSerializerFactory builds it
 * ({@code Builder.build(context, out)}). It writes into a buffer; every call hands flume-rs
 * the bytes written since the last one, which flume-rs writes to the real file (or HDFS
 * stream) in order.
 */
final class HostedSerializer implements Host.Hosted {
  static final int AFTER_CREATE = 1;
  static final int AFTER_REOPEN = 2;
  static final int WRITE_AND_FLUSH = 3;
  static final int FLUSH = 4;
  static final int BEFORE_CLOSE = 5;
  static final int SUPPORTS_REOPEN = 6;

  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
  private final EventSerializer serializer;

  HostedSerializer(Class<?> c, Context ctx) throws Exception {
    EventSerializer.Builder builder = (EventSerializer.Builder) c.newInstance();
    serializer = builder.build(ctx, buffer);
  }

  void call(int what, Wire.In in, Wire.Out out) throws Exception {
    switch (what) {
      case AFTER_CREATE:
        serializer.afterCreate();
        break;
      case AFTER_REOPEN:
        serializer.afterReopen();
        break;
      case WRITE_AND_FLUSH: {
        List<Event> events = in.events();
        for (Event e : events) {
          serializer.write(e);
        }
        serializer.flush();
        break;
      }
      case FLUSH:
        serializer.flush();
        break;
      case BEFORE_CLOSE:
        serializer.beforeClose();
        break;
      case SUPPORTS_REOPEN:
        out.u8(serializer.supportsReopen() ? 1 : 0);
        return;
      default:
        throw new IllegalArgumentException("unknown serializer call " + what);
    }
    byte[] written = buffer.toByteArray();
    buffer.reset();
    out.raw(written, 0, written.length);
  }

  @Override
  public void start() {}

  @Override
  public void stop() {}

  @Override
  public void close() {}
}
