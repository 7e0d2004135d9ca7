package org.apache.flume.serialization;

import java.io.Closeable;
import java.io.IOException;

/** A byte and character input that can be marked, reset and positioned. */
public abstract class ResettableInputStream implements Resettable, Seekable, Closeable {
  public ResettableInputStream() {
  }

  /** Reads one byte; -1 at end of input. */
  public abstract int read() throws IOException;

  public abstract int read(byte[] buffer, int offset, int length) throws IOException;

  /** Reads one character in the stream's charset; -1 at end of input. */
  public abstract int readChar() throws IOException;

  @Override
  public abstract void mark() throws IOException;

  @Override
  public abstract void reset() throws IOException;

  @Override
  public abstract void seek(long position) throws IOException;

  @Override
  public abstract long tell() throws IOException;

  @Override
  public abstract void close() throws IOException;
}
