package org.apache.flume.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;

/**
 * Sends every event to all channels; those named in {@code optional} are optional (a failure
 * there is logged, not reported to the source).
 */
public class ReplicatingChannelSelector extends AbstractChannelSelector {
  public static final String CONFIG_OPTIONAL = "optional";

  List<Channel> requiredChannels = null;
  List<Channel> optionalChannels = new ArrayList<Channel>();

  public ReplicatingChannelSelector() {
  }

  /** All channels until configured; then all but the optional ones. */
  @Override
  public List<Channel> getRequiredChannels(Event event) {
    return requiredChannels == null ? getAllChannels() : requiredChannels;
  }

  @Override
  public List<Channel> getOptionalChannels(Event event) {
    return optionalChannels;
  }

  @Override
  public void configure(Context context) {
    requiredChannels = new ArrayList<Channel>(getAllChannels());
    String optional = context.getString(CONFIG_OPTIONAL);
    if (optional == null || optional.isEmpty()) {
      return;
    }
    Map<String, Channel> byName = getChannelNameMap();
    for (String name : optional.split("\\s+")) {
      Channel channel = byName.get(name);
      requiredChannels.remove(channel);
      if (!optionalChannels.contains(channel)) {
        optionalChannels.add(channel);
      }
    }
  }
}
