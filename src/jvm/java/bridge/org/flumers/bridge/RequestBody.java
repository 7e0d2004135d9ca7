package org.flumers.bridge;

import java.io.ByteArrayInputStream;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;

/**
 * The body of a request handed to a hosted HTTP source handler, as the servlet API's
 * {@code ServletInputStream} (the body was read completely before the handler is called, so
 * it is always ready). Loaded only when the servlet API is on the class path.
 */
final class RequestBody extends ServletInputStream {
  private final ByteArrayInputStream in;

  RequestBody(byte[] body) {
    in = new ByteArrayInputStream(body);
  }

  @Override
  public int read() {
    return in.read();
  }

  @Override
  public int read(byte[] b, int off, int len) {
    return in.read(b, off, len);
  }

  @Override
  public long skip(long n) {
    return in.skip(n);
  }

  @Override
  public int available() {
    return in.available();
  }

  /** Servlet 3.1. */
  public boolean isFinished() {
    return in.available() == 0;
  }

  /** Servlet 3.1. */
  public boolean isReady() {
    return true;
  }

  /** Servlet 3.1: the whole body is there already. */
  public void setReadListener(ReadListener listener) {
    if (listener == null) {
      throw new NullPointerException("listener");
    }
    try {
      listener.onDataAvailable();
      listener.onAllDataRead();
    } catch (java.io.IOException e) {
      listener.onError(e);
    }
  }
}
