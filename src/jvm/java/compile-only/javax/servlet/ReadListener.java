package javax.servlet;

/** Compile-only stand-in (see ../../README.md). */
public interface ReadListener extends java.util.EventListener {
  void onDataAvailable() throws java.io.IOException;

  void onAllDataRead() throws java.io.IOException;

  void onError(Throwable t);
}
