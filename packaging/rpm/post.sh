# flume-rs %post ($1: 1 install, 2 upgrade): the flume-ng alternative, then systemd.
/usr/sbin/flume-rs-switch package-installed || :
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
exit 0
