package org.slf4j.spi;

/** Compile-only stand-in (see ../../../README.md). */
public interface MDCAdapter {
}
