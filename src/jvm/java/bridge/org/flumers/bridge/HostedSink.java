package org.flumers.bridge;

import org.apache.flume.Context;
import org.apache.flume.Sink;
import org.apache.flume.Sink.Status;

/** A Java sink run by flume-rs: created, named and configured as Flume's configuration
 * provider does, on a channel whose transactions are flume-rs take transactions. */
final class HostedSink implements Host.Hosted {
  private final Sink sink;

  HostedSink(Class<?> c, String name, Context ctx, long channel) throws Exception {
    sink = (Sink) c.newInstance();
    sink.setName(name);
    Host.configure(sink, ctx);
    sink.setChannel(new SinkChannel(channel, ctx.getString("channel")));
  }

  int process() throws Exception {
    Status s = sink.process();
    return s == Status.BACKOFF ? 1 : 0;
  }

  @Override
  public void start() {
    sink.start();
  }

  @Override
  public void stop() {
    sink.stop();
  }

  @Override
  public void close() {
    sink.stop();
  }
}
