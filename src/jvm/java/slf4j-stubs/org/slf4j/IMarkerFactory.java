package org.slf4j;

/** Compile-only stand-in (see ../../README.md). */
public interface IMarkerFactory {
}
