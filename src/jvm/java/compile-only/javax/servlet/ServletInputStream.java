package javax.servlet;

/** Compile-only stand-in (see ../../README.md). */
public abstract class ServletInputStream extends java.io.InputStream {
  protected ServletInputStream() {}
}
