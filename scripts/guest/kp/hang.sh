#!/bin/sh
# Failure-detection self-test: a guest that never finishes must be killed by the timeout.
exec /bin/sleep-forever
