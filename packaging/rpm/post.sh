# flume-rs %post ($1: 1 install, 2 upgrade): the agent's state and log directories, the
# flume-ng alternative, then systemd.
for dir in /var/lib/flume-rs /var/log/flume-rs; do
    [ -d "$dir" ] || install -d -m 0750 -o flume -g flume "$dir"
done
# Java plugins: one folder per plugin (lib/, libext/, native/), as Flume's plugins.d.
[ -d /etc/flume-rs/plugins.d ] || install -d -m 0755 /etc/flume-rs/plugins.d
/usr/sbin/flume-rs-switch package-installed || :
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
exit 0
