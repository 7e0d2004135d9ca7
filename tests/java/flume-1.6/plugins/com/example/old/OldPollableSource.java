package com.example.old;

import java.nio.charset.StandardCharsets;

import org.apache.flume.Context;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.PollableSource;
import org.apache.flume.conf.Configurable;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.source.AbstractSource;

/**
 * Test plugin compiled against Flume 1.6's PollableSource (no back-off getters): sends
 * {@code count} events "old-<i>", one per process() call, then backs off.
 */
public class OldPollableSource extends AbstractSource implements PollableSource, Configurable {
  private int count;
  private int sent;

  @Override
  public void configure(Context context) {
    count = context.getInteger("count", 3);
  }

  @Override
  public Status process() throws EventDeliveryException {
    if (sent >= count) {
      return Status.BACKOFF;
    }
    getChannelProcessor().processEvent(
        EventBuilder.withBody(("old-" + sent).getBytes(StandardCharsets.UTF_8)));
    sent++;
    return Status.READY;
  }
}
