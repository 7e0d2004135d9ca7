package org.flumers.bridge;

import org.apache.flume.Context;
import org.apache.flume.PollableSource;
import org.apache.flume.Source;
import org.apache.flume.channel.ChannelProcessor;

/**
 * A Java source run by flume-rs: created, named and configured as Flume's configuration
 * provider does, with a Flume ChannelProcessor whose only channel feeds the source's flume-rs
 * channel processor. A pollable source is driven by flume-rs's runner (Flume's back-off);
 * an event-driven source runs its own threads.
 */
final class HostedSource implements Host.Hosted {
  private final Source source;
  private final ChannelProcessor processor;

  HostedSource(Class<?> c, String name, Context ctx, long id) throws Exception {
    source = (Source) c.newInstance();
    source.setName(name);
    Host.configure(source, ctx);
    processor = new ChannelProcessor(new SourceSelector(new SourceChannel(id, name)));
    source.setChannelProcessor(processor);
  }

  boolean pollable() {
    return source instanceof PollableSource;
  }

  long backoffIncrement() {
    if (!pollable()) {
      return 0;
    }
    try {
      return ((PollableSource) source).getBackOffSleepIncrement();
    } catch (AbstractMethodError | NoSuchMethodError e) {
      // A source built against Flume 1.6 (before PollableSource had back-off getters) does
      // not implement them: Flume's defaults, as Flume's PollableSourceRunner uses.
      return 1000;
    }
  }

  long maxBackoff() {
    if (!pollable()) {
      return 0;
    }
    try {
      return ((PollableSource) source).getMaxBackOffSleepInterval();
    } catch (AbstractMethodError | NoSuchMethodError e) {
      return 5000;
    }
  }

  int process() throws Exception {
    PollableSource.Status s = ((PollableSource) source).process();
    return s == PollableSource.Status.BACKOFF ? 1 : 0;
  }

  private boolean initialized;

  @Override
  public void start() {
    if (!initialized) {
      processor.initialize();
      initialized = true;
    }
    source.start();
  }

  @Override
  public void stop() {
    source.stop();
  }

  @Override
  public void close() {
    source.stop();
    processor.close();
  }
}
