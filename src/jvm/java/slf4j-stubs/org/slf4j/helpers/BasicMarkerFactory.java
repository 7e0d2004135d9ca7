package org.slf4j.helpers;

/** Compile-only stand-in (see ../../../README.md). */
public class BasicMarkerFactory implements org.slf4j.IMarkerFactory {
}
