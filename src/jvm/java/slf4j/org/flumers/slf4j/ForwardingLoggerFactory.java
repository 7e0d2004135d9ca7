package org.flumers.slf4j;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/** One {@link ForwardingLogger} per name. */
public final class ForwardingLoggerFactory implements ILoggerFactory {
  private final ConcurrentMap<String, ForwardingLogger> loggers =
      new ConcurrentHashMap<String, ForwardingLogger>();

  @Override
  public Logger getLogger(String name) {
    ForwardingLogger logger = loggers.get(name);
    if (logger == null) {
      ForwardingLogger made = new ForwardingLogger(name);
      logger = loggers.putIfAbsent(name, made);
      if (logger == null) {
        logger = made;
      }
    }
    return logger;
  }
}
