package org.slf4j.impl;

import org.flumers.slf4j.ForwardingLoggerFactory;
import org.slf4j.ILoggerFactory;
import org.slf4j.spi.LoggerFactoryBinder;

/**
 * The slf4j 1.x binding flume-rs adds when a plugin brings slf4j-api without a binding (Flume's
 * lib had slf4j-log4j12): slf4j output then reaches the agent's log with its logger name.
 */
public final class StaticLoggerBinder implements LoggerFactoryBinder {
  private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();

  /** The slf4j API version this binding is compiled for. */
  public static String REQUESTED_API_VERSION = "1.6.99";

  private final ILoggerFactory factory = new ForwardingLoggerFactory();

  private StaticLoggerBinder() {}

  public static StaticLoggerBinder getSingleton() {
    return SINGLETON;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public String getLoggerFactoryClassStr() {
    return ForwardingLoggerFactory.class.getName();
  }
}
