package com.example.flume;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.serialization.EventSerializer;

/** Writes "<header value>,<body>\n" per event, after a "# <title>" line in a new file. */
public class CsvSerializer implements EventSerializer {
  private final OutputStream out;
  private final String column;
  private final String title;
  private long written;

  CsvSerializer(OutputStream out, String column, String title) {
    this.out = out;
    this.column = column;
    this.title = title;
  }

  @Override
  public void afterCreate() throws IOException {
    out.write(("# " + title + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void afterReopen() throws IOException {
    throw new UnsupportedOperationException("no reopen");
  }

  @Override
  public void write(Event event) throws IOException {
    String key = event.getHeaders().get(column);
    out.write(((key == null ? "" : key) + ",").getBytes(StandardCharsets.UTF_8));
    out.write(event.getBody());
    out.write('\n');
    written++;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void beforeClose() throws IOException {
    out.write(("# " + written + " events\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public boolean supportsReopen() {
    return false;
  }

  public static class Builder implements EventSerializer.Builder {
    @Override
    public EventSerializer build(Context context, OutputStream out) {
      return new CsvSerializer(out, context.getString("column", "key"),
          context.getString("title", "untitled"));
    }
  }
}
