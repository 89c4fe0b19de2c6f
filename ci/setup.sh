#!/usr/bin/env bash
# setup.sh - a fresh Debian 12 machine to a result: install packages, build, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh release
ci/build.sh afl # the fuzz target of the main job's short campaign (AFL++)
exec ci/main-job.sh
