package org.flumers.bridge;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Forwards java.util.logging records of hosted code to the agent's log, with the logger
 * name (the JDK's console handler is replaced, so nothing is printed twice). */
final class LogForwarder extends Handler {
  private final Formatter formatter = new SimpleFormatter();

  static void install() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(new LogForwarder());
    Log4jForwarder.install();
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null || !isLoggable(record)) {
      return;
    }
    int value = record.getLevel().intValue();
    int level = value >= Level.SEVERE.intValue() ? Logs.ERROR
        : value >= Level.WARNING.intValue() ? Logs.WARN
        : value >= Level.INFO.intValue() ? Logs.INFO
        : value >= Level.FINE.intValue() ? Logs.DEBUG : Logs.TRACE;
    if (!Logs.enabled(level)) {
      return;
    }
    String message = formatter.formatMessage(record);
    if (record.getThrown() != null) {
      StringWriter w = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(w));
      message = message + "\n" + w;
    }
    Logs.send(level, record.getLoggerName(), message);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
