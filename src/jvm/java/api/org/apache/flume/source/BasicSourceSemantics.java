package org.apache.flume.source;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.flume.Context;
import org.apache.flume.FlumeException;
import org.apache.flume.Source;
import org.apache.flume.channel.ChannelProcessor;
import org.apache.flume.conf.Configurable;
import org.apache.flume.lifecycle.LifecycleState;

/**
 * Base of sources with checked lifecycle: a failure in {@link #doConfigure(Context)} or
 * {@link #doStart()} is remembered, puts the source in {@code ERROR} and keeps it from
 * starting.
 */
public abstract class BasicSourceSemantics implements Source, Configurable {
  private static final Logger LOG = Logger.getLogger(BasicSourceSemantics.class.getName());

  private Exception exception;
  private ChannelProcessor channelProcessor;
  private String name;
  private LifecycleState lifecycleState = LifecycleState.IDLE;

  public BasicSourceSemantics() {
  }

  /** @throws IllegalStateException when called on a started source */
  @Override
  public synchronized void configure(Context context) {
    if (isStarted()) {
      throw new IllegalStateException("Configure called when started");
    }
    try {
      exception = null;
      setLifecycleState(LifecycleState.IDLE);
      doConfigure(context);
    } catch (Exception e) {
      exception = e;
      setLifecycleState(LifecycleState.ERROR);
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw new RuntimeException(e);
    }
  }

  @Override
  public synchronized void start() {
    if (exception != null) {
      LOG.log(Level.SEVERE, "Cannot start due to error: name = " + getName(), exception);
      return;
    }
    try {
      if (channelProcessor == null) {
        throw new IllegalStateException("No channel processor configured");
      }
      doStart();
      setLifecycleState(LifecycleState.START);
    } catch (Exception e) {
      LOG.log(Level.SEVERE, "Unexpected error performing start: name = " + getName(), e);
      exception = e;
      setLifecycleState(LifecycleState.ERROR);
    }
  }

  @Override
  public synchronized void stop() {
    try {
      doStop();
      setLifecycleState(LifecycleState.STOP);
    } catch (Exception e) {
      LOG.log(Level.SEVERE, "Unexpected error performing stop: name = " + getName(), e);
      setLifecycleState(LifecycleState.ERROR);
    }
  }

  @Override
  public synchronized void setChannelProcessor(ChannelProcessor cp) {
    channelProcessor = cp;
  }

  @Override
  public synchronized ChannelProcessor getChannelProcessor() {
    return channelProcessor;
  }

  @Override
  public synchronized void setName(String name) {
    this.name = name;
  }

  @Override
  public synchronized String getName() {
    return name;
  }

  @Override
  public synchronized LifecycleState getLifecycleState() {
    return lifecycleState;
  }

  @Override
  public String toString() {
    return getClass().getName() + "{name:" + name + ",state:" + lifecycleState + "}";
  }

  protected boolean isStarted() {
    return getLifecycleState() == LifecycleState.START;
  }

  protected Exception getStartException() {
    return exception;
  }

  protected synchronized void setLifecycleState(LifecycleState lifecycleState) {
    this.lifecycleState = lifecycleState;
  }

  protected abstract void doConfigure(Context context) throws FlumeException;

  protected abstract void doStart() throws FlumeException;

  protected abstract void doStop() throws FlumeException;
}
