package org.flumers.bridge;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The agent's log, for hosted code's log lines (java.util.logging, log4j 1.x, slf4j): each line
 * goes to flume-rs with its level and logger name. Levels: 1 error, 2 warn, 3 info, 4 debug,
 * 5 trace; lines above the agent's level ({@code -Dflume.rs.log.level}, set by flume-rs) are
 * not sent.
 */
public final class Logs {
  private Logs() {}

  public static final int ERROR = 1;
  public static final int WARN = 2;
  public static final int INFO = 3;
  public static final int DEBUG = 4;
  public static final int TRACE = 5;

  private static final int THRESHOLD = threshold();

  private static int threshold() {
    try {
      return Integer.parseInt(System.getProperty("flume.rs.log.level", "3").trim());
    } catch (NumberFormatException e) {
      return INFO;
    }
  }

  public static boolean enabled(int level) {
    return level <= THRESHOLD;
  }

  /** The agent's level, as log4j's level name. */
  static String log4jLevel() {
    switch (THRESHOLD) {
      case ERROR:
        return "ERROR";
      case WARN:
        return "WARN";
      case INFO:
        return "INFO";
      case DEBUG:
        return "DEBUG";
      default:
        return "TRACE";
    }
  }

  public static void log(int level, String logger, String message, Throwable thrown) {
    if (!enabled(level)) {
      return;
    }
    String text = String.valueOf(message);
    if (thrown != null) {
      StringWriter w = new StringWriter();
      thrown.printStackTrace(new PrintWriter(w));
      text = text + "\n" + w;
    }
    send(level, logger, text);
  }

  static void send(int level, String logger, String text) {
    Wire.Out out = new Wire.Out(64 + text.length());
    out.i32(level).str(logger).str(text);
    try {
      Host.upcall(Host.UP_LOG, 0, out.done());
    } catch (Throwable t) {
      // the agent is going away: nowhere left to log
    }
  }
}
