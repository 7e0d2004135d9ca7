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
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null || !isLoggable(record)) {
      return;
    }
    int value = record.getLevel().intValue();
    int level = value >= Level.SEVERE.intValue() ? 1
        : value >= Level.WARNING.intValue() ? 2
        : value >= Level.INFO.intValue() ? 3
        : value >= Level.FINE.intValue() ? 4 : 5;
    String message = formatter.formatMessage(record);
    if (record.getThrown() != null) {
      StringWriter w = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(w));
      message = message + "\n" + w;
    }
    Wire.Out out = new Wire.Out(64 + message.length());
    out.i32(level).str(record.getLoggerName()).str(message);
    try {
      Host.upcall(Host.UP_LOG, 0, out.done());
    } catch (Throwable t) {
      // the agent is going away: nowhere left to log
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
