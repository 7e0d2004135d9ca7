package org.apache.flume.event;

import java.util.Arrays;
import org.apache.flume.Event;

/** Renders an event for logs: its headers and a hex dump of the first bytes of its body. */
public class EventHelper {
  private static final int DEFAULT_MAX_BYTES = 16;
  private static final String EOL = System.getProperty("line.separator", "\n");
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  public EventHelper() {
  }

  public static String dumpEvent(Event event) {
    return dumpEvent(event, DEFAULT_MAX_BYTES);
  }

  /**
   * Returns {@code "{ headers:<map> body:<dump> }"}. The dump shows at most {@code maxBytes}
   * bytes, 16 per line: the bytes in upper-case hex, padded to 16 columns, then the printable
   * ASCII characters ('.' for others). The first line carries no offset, later lines an
   * 8-digit hex offset; there is no trailing line break.
   */
  public static String dumpEvent(Event event, int maxBytes) {
    StringBuilder dump = new StringBuilder();
    if (event == null || event.getBody() == null) {
      dump.append("null");
    } else if (event.getBody().length > 0) {
      byte[] body = event.getBody();
      hexDump(Arrays.copyOf(body, Math.min(body.length, maxBytes)), dump);
    }
    return "{ headers:" + event.getHeaders() + " body:" + dump + " }";
  }

  private static void hexDump(byte[] data, StringBuilder out) {
    for (int line = 0; line < data.length; line += 16) {
      int n = Math.min(16, data.length - line);
      if (line > 0) {
        appendHex(out, line, 8);
      }
      out.append(' ');
      for (int k = 0; k < 16; k++) {
        if (k < n) {
          appendHex(out, data[line + k] & 0xff, 2);
        } else {
          out.append("  ");
        }
        out.append(' ');
      }
      for (int k = 0; k < n; k++) {
        byte b = data[line + k];
        out.append(b >= ' ' && b < 127 ? (char) b : '.');
      }
      if (line + 16 < data.length) {
        out.append(EOL);
      }
    }
  }

  private static void appendHex(StringBuilder out, long value, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      out.append(HEX[(int) ((value >> shift) & 0xf)]);
    }
  }
}
