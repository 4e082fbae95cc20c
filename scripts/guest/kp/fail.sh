#!/bin/sh
# Failure-detection self-test: a guest script that fails must fail the run.
echo "1..1"
echo "not ok 1 - deliberate failure (scripts/guest/kp/fail.sh)"
exit 1
