package org.slf4j.helpers;

/** Compile-only stand-in (see ../../../README.md). */
public class BasicMDCAdapter implements org.slf4j.spi.MDCAdapter {
}
