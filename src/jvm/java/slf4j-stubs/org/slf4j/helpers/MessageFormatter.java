package org.slf4j.helpers;

/** Compile-only stand-in (see ../../../README.md). */
public final class MessageFormatter {
  public static FormattingTuple arrayFormat(String messagePattern, Object[] argArray) {
    throw new UnsupportedOperationException();
  }
}
