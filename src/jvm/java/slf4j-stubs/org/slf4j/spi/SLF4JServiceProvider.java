package org.slf4j.spi;

/** Compile-only stand-in for slf4j 2.x's provider interface (see ../../../README.md). */
public interface SLF4JServiceProvider {
  org.slf4j.ILoggerFactory getLoggerFactory();

  org.slf4j.IMarkerFactory getMarkerFactory();

  MDCAdapter getMDCAdapter();

  String getRequestedApiVersion();

  void initialize();
}
