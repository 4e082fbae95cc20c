#!/bin/sh
# Failure-detection self-test: a kernel-style WARNING on the console must fail the run even
# though the script itself passes. /dev/kmsg lines get the kernel's timestamp prefix.
echo "<4>WARNING: CPU: 0 PID: $$ at kp-selftest.c:1 kp_fake_warning+0x0/0x10 (fake, from /dev/kmsg)" >/dev/kmsg
echo "1..1"
echo "ok 1 - fake WARNING written to /dev/kmsg"
exit 0
