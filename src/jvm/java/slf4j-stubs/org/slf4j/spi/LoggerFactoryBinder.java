package org.slf4j.spi;

/** Compile-only stand-in (see ../../../README.md). */
public interface LoggerFactoryBinder {
  org.slf4j.ILoggerFactory getLoggerFactory();

  String getLoggerFactoryClassStr();
}
