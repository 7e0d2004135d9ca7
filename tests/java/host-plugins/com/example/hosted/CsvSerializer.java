package com.example.hosted;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.serialization.EventSerializer;

/**
 * Test plugin: "# csv" when a file is created, then one line per event (the header "k",
 * {@code delimiter}, the body), "# end" before the file is closed.
 */
public class CsvSerializer implements EventSerializer {
  private final OutputStream out;
  private final String delimiter;

  CsvSerializer(OutputStream out, String delimiter) {
    this.out = out;
    this.delimiter = delimiter;
  }

  private void line(String s) throws IOException {
    out.write((s + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void afterCreate() throws IOException {
    line("# csv");
  }

  @Override
  public void afterReopen() throws IOException {
    throw new UnsupportedOperationException("no reopen");
  }

  @Override
  public void write(Event event) throws IOException {
    String k = event.getHeaders().get("k");
    line((k == null ? "" : k) + delimiter + new String(event.getBody(), StandardCharsets.UTF_8));
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void beforeClose() throws IOException {
    line("# end");
  }

  @Override
  public boolean supportsReopen() {
    return false;
  }

  public static class Builder implements EventSerializer.Builder {
    @Override
    public EventSerializer build(Context context, OutputStream out) {
      return new CsvSerializer(out, context.getString("delimiter", ","));
    }
  }
}
