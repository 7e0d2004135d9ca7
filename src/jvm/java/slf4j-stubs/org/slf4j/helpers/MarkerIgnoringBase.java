package org.slf4j.helpers;

/** Compile-only stand-in (see ../../../README.md): the real class implements every Marker
 * variant of org.slf4j.Logger by calling the plain one. */
public abstract class MarkerIgnoringBase implements org.slf4j.Logger {
  protected String name;
}
