package org.apache.flume.source;

import org.apache.flume.Context;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.FlumeException;
import org.apache.flume.PollableSource;

/**
 * Base of pollable sources. {@link #configure(Context)} reads {@code backoffSleepIncrement}
 * (default 1000 ms) and {@code maxBackoffSleep} (default 5000 ms), which the runner uses to back
 * off after {@code BACKOFF}.
 */
public abstract class AbstractPollableSource extends BasicSourceSemantics
    implements PollableSource {
  long backoffSleepIncrement = PollableSourceConstants.DEFAULT_BACKOFF_SLEEP_INCREMENT;
  long maxBackoffSleep = PollableSourceConstants.DEFAULT_MAX_BACKOFF_SLEEP;

  public AbstractPollableSource() {
    super();
  }

  /**
   * Runs {@link #doProcess()} on a started source.
   *
   * @throws FlumeException if configuring or starting failed
   * @throws EventDeliveryException if the source is not started
   */
  @Override
  public Status process() throws EventDeliveryException {
    Exception failure = getStartException();
    if (failure != null) {
      throw new FlumeException("Source had error configuring or starting", failure);
    }
    if (!isStarted()) {
      throw new EventDeliveryException(
          "Source is not started.  It is in '" + getLifecycleState() + "' state");
    }
    return doProcess();
  }

  @Override
  public synchronized void configure(Context context) {
    super.configure(context);
    backoffSleepIncrement = context.getLong(PollableSourceConstants.BACKOFF_SLEEP_INCREMENT,
        PollableSourceConstants.DEFAULT_BACKOFF_SLEEP_INCREMENT);
    maxBackoffSleep = context.getLong(PollableSourceConstants.MAX_BACKOFF_SLEEP,
        PollableSourceConstants.DEFAULT_MAX_BACKOFF_SLEEP);
  }

  @Override
  public long getBackOffSleepIncrement() {
    return backoffSleepIncrement;
  }

  @Override
  public long getMaxBackOffSleepInterval() {
    return maxBackoffSleep;
  }

  protected abstract Status doProcess() throws EventDeliveryException;
}
