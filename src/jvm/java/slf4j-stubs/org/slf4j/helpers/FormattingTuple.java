package org.slf4j.helpers;

/** Compile-only stand-in (see ../../../README.md). */
public class FormattingTuple {
  public String getMessage() {
    throw new UnsupportedOperationException();
  }

  public Throwable getThrowable() {
    throw new UnsupportedOperationException();
  }
}
