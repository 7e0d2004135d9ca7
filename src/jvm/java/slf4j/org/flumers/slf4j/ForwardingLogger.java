package org.flumers.slf4j;

import org.flumers.bridge.Logs;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MarkerIgnoringBase;
import org.slf4j.helpers.MessageFormatter;

/**
 * An slf4j logger writing to the agent's log through the bridge, with its name; messages are
 * formatted by slf4j's own MessageFormatter. The Marker variants come from MarkerIgnoringBase.
 */
public final class ForwardingLogger extends MarkerIgnoringBase {
  private static final long serialVersionUID = 1L;

  ForwardingLogger(String name) {
    this.name = name;
  }

  private void format(int level, String format, Object[] arguments) {
    if (!Logs.enabled(level)) {
      return;
    }
    FormattingTuple t = MessageFormatter.arrayFormat(format, arguments);
    Logs.log(level, name, t.getMessage(), t.getThrowable());
  }

  public boolean isTraceEnabled() {
    return Logs.enabled(Logs.TRACE);
  }

  public void trace(String msg) {
    Logs.log(Logs.TRACE, name, msg, null);
  }

  public void trace(String format, Object arg) {
    format(Logs.TRACE, format, new Object[] {arg});
  }

  public void trace(String format, Object arg1, Object arg2) {
    format(Logs.TRACE, format, new Object[] {arg1, arg2});
  }

  public void trace(String format, Object... arguments) {
    format(Logs.TRACE, format, arguments);
  }

  public void trace(String msg, Throwable t) {
    Logs.log(Logs.TRACE, name, msg, t);
  }

  public boolean isDebugEnabled() {
    return Logs.enabled(Logs.DEBUG);
  }

  public void debug(String msg) {
    Logs.log(Logs.DEBUG, name, msg, null);
  }

  public void debug(String format, Object arg) {
    format(Logs.DEBUG, format, new Object[] {arg});
  }

  public void debug(String format, Object arg1, Object arg2) {
    format(Logs.DEBUG, format, new Object[] {arg1, arg2});
  }

  public void debug(String format, Object... arguments) {
    format(Logs.DEBUG, format, arguments);
  }

  public void debug(String msg, Throwable t) {
    Logs.log(Logs.DEBUG, name, msg, t);
  }

  public boolean isInfoEnabled() {
    return Logs.enabled(Logs.INFO);
  }

  public void info(String msg) {
    Logs.log(Logs.INFO, name, msg, null);
  }

  public void info(String format, Object arg) {
    format(Logs.INFO, format, new Object[] {arg});
  }

  public void info(String format, Object arg1, Object arg2) {
    format(Logs.INFO, format, new Object[] {arg1, arg2});
  }

  public void info(String format, Object... arguments) {
    format(Logs.INFO, format, arguments);
  }

  public void info(String msg, Throwable t) {
    Logs.log(Logs.INFO, name, msg, t);
  }

  public boolean isWarnEnabled() {
    return Logs.enabled(Logs.WARN);
  }

  public void warn(String msg) {
    Logs.log(Logs.WARN, name, msg, null);
  }

  public void warn(String format, Object arg) {
    format(Logs.WARN, format, new Object[] {arg});
  }

  public void warn(String format, Object arg1, Object arg2) {
    format(Logs.WARN, format, new Object[] {arg1, arg2});
  }

  public void warn(String format, Object... arguments) {
    format(Logs.WARN, format, arguments);
  }

  public void warn(String msg, Throwable t) {
    Logs.log(Logs.WARN, name, msg, t);
  }

  public boolean isErrorEnabled() {
    return Logs.enabled(Logs.ERROR);
  }

  public void error(String msg) {
    Logs.log(Logs.ERROR, name, msg, null);
  }

  public void error(String format, Object arg) {
    format(Logs.ERROR, format, new Object[] {arg});
  }

  public void error(String format, Object arg1, Object arg2) {
    format(Logs.ERROR, format, new Object[] {arg1, arg2});
  }

  public void error(String format, Object... arguments) {
    format(Logs.ERROR, format, arguments);
  }

  public void error(String msg, Throwable t) {
    Logs.log(Logs.ERROR, name, msg, t);
  }
}
